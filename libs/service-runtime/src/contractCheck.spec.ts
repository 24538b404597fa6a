import { defineCatalog, defineEventType, defineEventVersion, defineTopology, Subscriber, type Catalog } from '@game-mesh/events';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseEnvSchema } from './config';
import { serviceContractProblems } from './contractCheck';
import type { ServiceDefinition } from './startService';

const catalog = defineCatalog({
  'ping.sent': defineEventType({ description: 'd', producer: 'pinger', topic: 'pings', current: 1, versions: { 1: defineEventVersion({ schema: z.object({ n: z.number() }), examples: [{ n: 1 }] }) } }),
  'pong.sent': defineEventType({ description: 'd', producer: 'ponger', topic: 'pongs', current: 1, versions: { 1: defineEventVersion({ schema: z.object({ n: z.number() }), examples: [{ n: 1 }] }) } }),
});
const env = baseEnvSchema(0).extend({ EVENTS_QUEUE_URL: z.string().optional() });

function consumer(types: readonly ('ping.sent' | 'pong.sent')[]): ServiceDefinition<z.output<typeof env>, typeof catalog> {
  return {
    name: 'listener',
    envSchema: env,
    requiredWithBroker: ['EVENTS_QUEUE_URL'],
    build: ({ clients, config }) => {
      const subscriber = new Subscriber({ catalog, sqs: clients!.sqs, queueUrl: config.EVENTS_QUEUE_URL! });
      for (const type of types) subscriber.subscribe(type, () => undefined);
      return { subscribers: { main: { subscriber, queueUrl: config.EVENTS_QUEUE_URL! } }, routes: () => undefined };
    },
  };
}
const topology = <C extends Catalog>(c: C, types: string[]) => defineTopology({ catalog: c, consumers: { listener: { main: { subscriptions: types.map((type) => ({ type })) } } } } as never);

describe('serviceContractProblems', () => {
  it('passes when subscriptions, producers and topology agree', () => {
    expect(serviceContractProblems(consumer(['ping.sent']), topology(catalog, ['ping.sent']))).toEqual([]);
  });

  it('fails when the service subscribes to a type the topology does not route to its queue', () => {
    expect(serviceContractProblems(consumer(['ping.sent', 'pong.sent']), topology(catalog, ['ping.sent']))).toEqual([
      'listener (main queue) subscribes to [ping.sent v1, pong.sent v1] but the topology routes [ping.sent v1] to it',
    ]);
  });

  it('fails naming both when nobody produces what the service reads', () => {
    const withoutPong = defineCatalog({ 'ping.sent': catalog['ping.sent'] });
    const problems = serviceContractProblems(consumer(['pong.sent']) as never, topology(withoutPong, ['ping.sent']));
    expect(problems.join('\n')).toContain('listener (main queue) reads "pong.sent" v1, but no producer in the catalog publishes "pong.sent"');
  });
});
