// The subscriber's settings: each option's default, and every bound checked at once.
import type { Catalog } from '../../contract/catalog';
import { DEFAULT_MAX_FUTURE_SKEW_MS } from '../../contract/codec';
import { TransportConfigError } from '../errors';
import { DRAIN_MS } from '../stopBudget';
import type { SubscriberOptions } from './types';

export type Settings = Required<Omit<SubscriberOptions<Catalog>, 'deadLetterQueueUrl' | 'logger' | 'idempotencyStore' | 'idempotencyScope' | 'catalog' | 'sqs' | 'queueUrl' | 'handlerTimeoutMs'>>;

/** The options with their defaults; refuses every value out of bounds, naming each. */
export function subscriberSettings(options: SubscriberOptions<Catalog>): Settings {
  const settings: Settings = {
    concurrency: options.concurrency ?? 10,
    waitTimeSeconds: options.waitTimeSeconds ?? 20,
    batchSize: options.batchSize ?? 10,
    retryBaseSeconds: options.retryBaseSeconds ?? 2,
    retryMaxSeconds: options.retryMaxSeconds ?? 300,
    idempotencyWindowMs: options.idempotencyWindowMs ?? 3_600_000,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? DRAIN_MS,
    deleteBatchWindowMs: options.deleteBatchWindowMs ?? 200,
    pollers: options.pollers ?? 4,
    requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
    startTimeoutMs: options.startTimeoutMs ?? 20_000,
    maxFutureSkewMs: options.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS,
    starvedAfterMs: options.starvedAfterMs ?? options.handlerTimeoutMs ?? 300_000,
  };
  checkSettings(settings);
  checkHandlerTimeout(options.handlerTimeoutMs);
  return settings;
}

function checkSettings(settings: Settings): void {
  const rules: Record<keyof Settings, [number, number]> = {
    concurrency: [1, 1000],
    waitTimeSeconds: [0, 20],
    batchSize: [1, 10],
    retryBaseSeconds: [0, 43_200],
    retryMaxSeconds: [0, 43_200],
    idempotencyWindowMs: [0, Number.MAX_SAFE_INTEGER],
    shutdownTimeoutMs: [0, 120_000],
    deleteBatchWindowMs: [0, 10_000],
    pollers: [1, 50],
    requestTimeoutMs: [100, 120_000],
    startTimeoutMs: [0, 600_000],
    maxFutureSkewMs: [0, 86_400_000],
    starvedAfterMs: [1, 43_200_000],
  };
  const problems = Object.entries(rules)
    .filter(([name, [min, max]]) => {
      const value = settings[name as keyof Settings];
      return !(Number.isFinite(value) && value >= min && value <= max);
    })
    .map(([name, [min, max]]) => `${name} must be between ${min} and ${max} (got ${settings[name as keyof Settings]})`);
  if (problems.length > 0) throw new TransportConfigError('INVALID_OPTIONS', `Subscriber options are invalid:\n- ${problems.join('\n- ')}`);
}

/** A handler timeout, when given, is a whole number of milliseconds up to SQS's 12-hour visibility cap. */
export function checkHandlerTimeout(timeoutMs: number | undefined): void {
  if (timeoutMs === undefined) return;
  if (!(Number.isInteger(timeoutMs) && timeoutMs >= 1 && timeoutMs <= 43_200_000)) {
    throw new TransportConfigError('INVALID_OPTIONS', `handlerTimeoutMs must be a whole number between 1 and 43200000 (got ${timeoutMs})`);
  }
}
