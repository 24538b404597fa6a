// For tests: counts the SNS/SQS requests a client makes, by action, through SDK middleware.
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';

export interface RequestCounter {
  /** Requests sent, by action (e.g. `PublishBatchCommand`), retries included. */
  readonly counts: Map<string, number>;
  count(action: string): number;
  total(): number;
  /** Inputs of the requests of one action, for asserting what was asked. */
  inputs(action: string): unknown[];
}

/**
 * Counts the HTTP requests a client sends, per action. The middleware sits at the finalizeRequest
 * step, after the SDK's own retry middleware, so every attempt that reaches the wire counts.
 */
export function countRequests(client: SNSClient | SQSClient): RequestCounter {
  const counts = new Map<string, number>();
  const inputs = new Map<string, unknown[]>();
  (client as SQSClient).middlewareStack.add(
    (next, context) => async (args) => {
      const action = context.commandName ?? 'unknown';
      counts.set(action, (counts.get(action) ?? 0) + 1);
      inputs.set(action, [...(inputs.get(action) ?? []), args.input]);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'countRequests', override: true },
  );
  return {
    counts,
    count: (action) => counts.get(action) ?? 0,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    inputs: (action) => inputs.get(action) ?? [],
  };
}
