import { describe, expect, it } from 'vitest';
import { corpusAlert } from '../analysis/testing/fixtures.ts';
import { DEFAULT_REDACTED_FIELDS, REDACTED, redactAlert } from './redact.ts';

describe('redactAlert', () => {
  it('replaces a field and every other place its value appears, leaving the alert as it was', () => {
    const alert = corpusAlert(25);
    const before = structuredClone(alert);

    const redacted = JSON.stringify(redactAlert(alert, DEFAULT_REDACTED_FIELDS));

    expect(alert).toEqual(before);
    expect(redacted).toContain(`"srcuser":"${REDACTED}"`);
    expect(redacted).toContain(`"dstuser":"${REDACTED}"`);
    // sudo's log line named both users; neither survives, the command does.
    expect(redacted).toContain(`sudo:   ${REDACTED} : TTY=pts/0`);
    expect(redacted).toContain(`USER=${REDACTED} ; COMMAND=/bin/cat`);
    expect(redacted).not.toMatch(/\broot\b(?!\/)/);
  });

  it('reaches nested fields and redacts only what it is told to', () => {
    const alert = {
      rule: { description: 'Login by bob' },
      data: { win: { eventdata: { targetUserName: 'bob' } }, srcip: '10.1.1.1' },
    };
    expect(redactAlert(alert, ['data.win.eventdata.targetUserName'])).toEqual({
      rule: { description: `Login by ${REDACTED}` },
      data: { win: { eventdata: { targetUserName: REDACTED } }, srcip: '10.1.1.1' },
    });
    expect(redactAlert(alert, [])).toEqual(alert);
  });

  it('removes passwords, tokens and access keys from any text', () => {
    const alert = {
      full_log:
        'curl -H "Authorization: Bearer eyJhbGciOi.x.y" --data password=hunter2 key AKIAIOSFODNN7EXAMPLE',
    };
    const text = JSON.stringify(redactAlert(alert, []));
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('eyJhbGciOi');
    expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(text).toContain(`password=${REDACTED}`);
  });
  it('replaces values as whole words, so other words that contain them survive', () => {
    const alert = {
      data: { srcuser: 'ann' },
      full_log: 'ann: planning annual leave; PWD=/home/ann',
    };
    expect(redactAlert(alert, ['data.srcuser'])).toEqual({
      data: { srcuser: REDACTED },
      full_log: `${REDACTED}: planning annual leave; PWD=/home/${REDACTED}`,
    });
  });
});
