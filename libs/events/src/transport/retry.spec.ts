// Tests: isRetryableError.
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, delay, isRetryableError } from './retry';

const awsError = (name: string, status?: number) => Object.assign(new Error(name), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });

describe('isRetryableError', () => {
  it.each([
    ['throttling', awsError('Throttling', 400), true],
    ['SQS throttling', awsError('RequestThrottled', 403), true],
    ['a 500', awsError('InternalFailure', 500), true],
    ['a 503', awsError('ServiceUnavailable', 503), true],
    ['a 429', awsError('TooMany', 429), true],
    ['a reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['a refused connection', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), true],
    ['a wrapped network error', new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'ETIMEDOUT' }) }), true],
    ['not found', awsError('NotFoundException', 404), false],
    ['invalid parameter', awsError('InvalidParameterException', 400), false],
    ['an abort', Object.assign(new Error('aborted'), { name: 'AbortError' }), false],
    ['a plain error', new Error('bug'), false],
    ['a string', 'oops', false],
  ])('%s → %s', (_label, error, retryable) => {
    expect(isRetryableError(error)).toBe(retryable);
  });
});

describe('backoffDelayMs', () => {
  it('grows exponentially with full jitter and stops at the cap', () => {
    expect(backoffDelayMs(0, 100, 10_000, () => 0.999)).toBe(99);
    expect(backoffDelayMs(3, 100, 10_000, () => 0.999)).toBe(799);
    expect(backoffDelayMs(20, 100, 10_000, () => 0.999)).toBe(9_990);
    expect(backoffDelayMs(3, 100, 10_000, () => 0)).toBe(0);
  });
});

describe('delay', () => {
  it('resolves early when aborted', async () => {
    const controller = new AbortController();
    const pending = delay(60_000, controller.signal).then(() => 'done');
    controller.abort();
    await expect(pending).resolves.toBe('done');
  });
});
