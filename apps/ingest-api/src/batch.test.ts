import { describe, expect, it } from 'vitest';
import { splitBatch } from './batch.ts';
import { isIngestRequestError } from './errors.ts';

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (err) {
    if (isIngestRequestError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected splitBatch to throw');
}

describe('splitBatch', () => {
  it('reads one JSON alert as a batch of one and an array as a batch in order', () => {
    expect(splitBatch({ format: 'json', text: '{"a":1}' }, 10)).toEqual([
      { index: 0, value: { a: 1 } },
    ]);
    expect(splitBatch({ format: 'json', text: '[{"a":1}, 2]' }, 10)).toEqual([
      { index: 0, value: { a: 1 } },
      { index: 1, value: 2 },
    ]);
  });

  it('numbers NDJSON alerts by position and by line, skipping blank lines and tolerating CRLF', () => {
    const entries = splitBatch(
      { format: 'lines', text: '\uFEFF{"a":1}\r\n\r\n  \n{"b":2}\n{oops\n' },
      10,
    );
    expect(entries).toEqual([
      { index: 0, line: 1, value: { a: 1 } },
      { index: 1, line: 4, value: { b: 2 } },
      {
        index: 2,
        line: 5,
        syntaxError: expect.stringMatching(/^line 5 is not valid JSON at column 2: /),
      },
    ]);
  });

  it('refuses an empty body or batch, a JSON body that does not parse, and too many alerts', () => {
    expect(failure(() => splitBatch(undefined, 10))).toEqual({
      code: 'INGEST_NO_ALERTS',
      message: 'no alerts in the request',
    });
    expect(failure(() => splitBatch({ format: 'json', text: ' [ ] ' }, 10)).code).toBe(
      'INGEST_NO_ALERTS',
    );
    expect(failure(() => splitBatch({ format: 'lines', text: '\n \n' }, 10)).code).toBe(
      'INGEST_NO_ALERTS',
    );
    expect(failure(() => splitBatch({ format: 'json', text: '[{"a":1},\n{"b": }]' }, 10))).toEqual({
      code: 'INGEST_INVALID_JSON',
      message: expect.stringMatching(
        /^the body is not valid JSON at line 2 column 7 \(position 16\): Unexpected token/,
      ),
    });
    expect(failure(() => splitBatch({ format: 'json', text: '[1,2,3]' }, 2))).toEqual({
      code: 'INGEST_TOO_MANY_ALERTS',
      message: 'the request holds 3 alerts; at most 2 are accepted per request',
    });
    // Counted before parsing: lines that would not even parse still count.
    expect(failure(() => splitBatch({ format: 'lines', text: 'x\ny\nz' }, 2)).code).toBe(
      'INGEST_TOO_MANY_ALERTS',
    );
  });
});
