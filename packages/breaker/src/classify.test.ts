import { describe, expect, it } from 'vitest';
import { defaultClassify } from './classify.ts';

const withStatus = (status: unknown) => Object.assign(new Error('http'), { status });

describe('defaultClassify', () => {
  it.each([400, 401, 403, 404, 409, 422, 429, 499])('ignores status %i', (status) => {
    expect(defaultClassify(withStatus(status))).toBe('ignore');
  });

  it.each([408, 500, 502, 503, 504, 399, 500.5])('counts status %s as a failure', (status) => {
    expect(defaultClassify(withStatus(status))).toBe('failure');
  });

  it('reads statusCode when there is no status', () => {
    expect(defaultClassify({ statusCode: 404 })).toBe('ignore');
    expect(defaultClassify({ statusCode: 503 })).toBe('failure');
  });

  it('only trusts numeric statuses', () => {
    expect(defaultClassify(withStatus('404'))).toBe('failure');
  });

  it('lets an explicit breakerOutcome win over the status', () => {
    expect(defaultClassify(Object.assign(new Error('x'), { breakerOutcome: 'ignore' }))).toBe(
      'ignore',
    );
    expect(defaultClassify({ status: 400, breakerOutcome: 'failure' })).toBe('failure');
  });

  it('counts transport errors and non-objects as failures', () => {
    expect(defaultClassify(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(
      'failure',
    );
    expect(defaultClassify('boom')).toBe('failure');
    expect(defaultClassify(undefined)).toBe('failure');
  });
});
