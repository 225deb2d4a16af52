import { describe, expect, it } from 'vitest';
import { loadCorpus } from '@herald/testkit';
import { parseWazuhTimestamp, validateAlert } from './alert.ts';
import { alertIdentity } from './identity.ts';

describe('validateAlert', () => {
  it('accepts every corpus alert, trimmed and legacy ones included', () => {
    for (const { line, alert } of loadCorpus()) {
      const result = validateAlert(alert);
      expect(result.ok, `corpus line ${line}: ${JSON.stringify(result.ok ? '' : result.errors)}`).toBe(true);
    }
  });

  it('keeps fields it does not know as they came', () => {
    const corpus = loadCorpus();
    const windows = corpus[5]!.alert;
    const result = validateAlert(windows);
    expect(result.ok && result.alert.data).toEqual(windows.data);
  });

  it('normalises a numeric legacy rule id to a string', () => {
    const legacy = loadCorpus()[24]!.alert;
    const result = validateAlert(legacy);
    expect(result.ok && result.alert.rule.id).toBe('5402');
  });

  it('names each missing or mistyped field by its path', () => {
    const result = validateAlert({ timestamp: '', rule: { level: 'high', id: '1' }, agent: { id: 7 } });
    expect(result.ok).toBe(false);
    const fields = result.ok ? [] : result.errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['timestamp', 'rule.level', 'rule.description', 'agent.id']));
    const description = result.ok ? undefined : result.errors.find((e) => e.field === 'rule.description');
    expect(description?.message).toBe('is required');
  });

  it('says a field of the wrong type is wrong, not missing', () => {
    const result = validateAlert({
      timestamp: 't',
      rule: { level: 'abc', id: true, description: 'd', mitre: { id: 'T1110' } },
    });
    const messages = Object.fromEntries(result.ok ? [] : result.errors.map((e) => [e.field, e.message]));
    expect(messages['rule.level']).toBe('must be a number from 0 to 16');
    expect(messages['rule.id']).toBe('must be a non-empty string or a whole number');
    expect(messages['rule.mitre.id']).toMatch(/expected array/);
    const nulls = validateAlert({ timestamp: 't', rule: { level: null, id: '1', description: 'd' } });
    expect(nulls.ok ? '' : nulls.errors[0]!.message).toBe('must be a number from 0 to 16');
  });

  it('refuses what is not an object', () => {
    expect(validateAlert([1])).toEqual({ ok: false, errors: [{ field: '(alert)', message: 'must be a JSON object' }] });
    expect(validateAlert('x').ok).toBe(false);
  });
});

describe('alertIdentity', () => {
  it('prefixes the Wazuh id with the manager, or the cluster node when there is one', () => {
    const base = { timestamp: 't', rule: { level: 3, id: '1', description: 'd' }, id: '1.2' };
    expect(alertIdentity({ ...base, manager: { name: 'm1' } })).toBe('wazuh:m1:1.2');
    expect(alertIdentity({ ...base, manager: { name: 'm1' }, cluster: { node: 'n2' } })).toBe('wazuh:n2:1.2');
    expect(alertIdentity({ ...base, manager: { name: 'm1' } })).not.toBe(alertIdentity({ ...base, manager: { name: 'm2' } }));
  });

  it('hashes the content of an alert without an id, whatever its key order', () => {
    const a = { timestamp: 't', rule: { level: 3, id: '1', description: 'd' } };
    const b = { rule: { description: 'd', id: '1', level: 3 }, timestamp: 't' };
    expect(alertIdentity(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(alertIdentity(a)).toBe(alertIdentity(b));
    expect(alertIdentity(a)).not.toBe(alertIdentity({ ...a, timestamp: 'u' }));
  });

  it('gives every corpus alert a distinct identity', () => {
    const ids = loadCorpus().map(({ alert }) => {
      const result = validateAlert(alert);
      if (!result.ok) throw new Error('invalid corpus alert');
      return alertIdentity(result.alert);
    });
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('parseWazuhTimestamp', () => {
  it('reads 4.x offsets and the legacy form', () => {
    expect(parseWazuhTimestamp('2022-05-11T12:29:19.905+0000')?.toISOString()).toBe('2022-05-11T12:29:19.905Z');
    expect(parseWazuhTimestamp('2024-02-14T22:06:37.782+0500')?.toISOString()).toBe('2024-02-14T17:06:37.782Z');
    expect(parseWazuhTimestamp('2017 Jan 05 14:11:21')?.toISOString()).toBe('2017-01-05T14:11:21.000Z');
    expect(parseWazuhTimestamp('yesterday')).toBeUndefined();
  });
});
