import { describe, expect, it } from 'vitest';
import { isConnectionError, retryableReason, toStoreError } from './postgres-errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('PostgreSQL error classification', () => {
  it.each(['57P01', '57P02', '57P03', '40001', '40P01', '53300', '08006', 'ECONNREFUSED', 'ECONNRESET'])('retries %s', (code) => {
    expect(retryableReason(withCode(code))).not.toBeNull();
  });

  it('retries a connection lost without a code, and a refusal reported for several addresses', () => {
    expect(retryableReason(new Error('Connection terminated unexpectedly'))).not.toBeNull();
    expect(retryableReason(new AggregateError([withCode('ECONNREFUSED')], 'connect failed'))).not.toBeNull();
  });

  it('does not retry what would fail again: a unique violation, bad text, a syntax error, a non-error', () => {
    for (const code of ['23505', '22021', '42601']) expect(retryableReason(withCode(code))).toBeNull();
    expect(retryableReason('ECONNRESET')).toBeNull();
  });

  it('keeps a connection after a serialization failure or deadlock, and drops it after a lost connection', () => {
    expect(isConnectionError(withCode('40001'))).toBe(false);
    expect(isConnectionError(withCode('57P01'))).toBe(true);
  });

  it('turns an unreachable database into unavailable (503 with Retry-After) and unstorable text into bad_request', () => {
    expect(toStoreError(withCode('ECONNREFUSED'))).toMatchObject({ code: 'unavailable', status: 503, details: { retry_after: 1 } });
    expect(toStoreError(withCode('22021'))).toMatchObject({ code: 'bad_request', status: 400 });
    const bug = withCode('42601');
    expect(toStoreError(bug)).toBe(bug);
  });
});
