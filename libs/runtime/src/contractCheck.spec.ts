// Tests: serviceContractProblems.
import { defineCatalog, defineEventType, defineEventVersion, defineTopology, parseServiceDeclaration, type Catalog } from '@game-mesh/events';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serviceContractProblems } from './contractCheck';
import type { AnyServiceDefinition } from './serviceDefinition';

const catalog = defineCatalog({
  'ping.sent': defineEventType({ description: 'd', producer: 'pinger', topic: 'pings', current: 1, versions: { 1: defineEventVersion({ schema: z.object({ n: z.number() }), examples: [{ n: 1 }] }) } }),
  'pong.sent': defineEventType({ description: 'd', producer: 'ponger', topic: 'pongs', current: 1, versions: { 1: defineEventVersion({ schema: z.object({ n: z.number() }), examples: [{ n: 1 }] }) } }),
});

/** A consumer whose service.json subscribes its main queue to `types`. */
function consumer(c: Catalog, types: readonly string[]): AnyServiceDefinition {
  const declaration = parseServiceDeclaration({ name: 'listener', description: 'd', port: 3999, consumes: { main: { subscriptions: types.map((type) => ({ type, version: 1 })) } } }, 'test');
  const handlers = { main: Object.fromEntries(types.map((type) => [type, () => undefined])) };
  return { declared: { catalog: c, declaration, publishes: [], readers: {} }, build: () => ({ handlers, routes: () => undefined }) };
}
const topology = <C extends Catalog>(c: C, types: string[]) => defineTopology({ catalog: c, consumers: { listener: { main: { subscriptions: types.map((type) => ({ type })) } } } } as never);

describe('serviceContractProblems', () => {
  it('passes when subscriptions, producers and topology agree', () => {
    expect(serviceContractProblems(consumer(catalog, ['ping.sent']), topology(catalog, ['ping.sent']))).toEqual([]);
  });

  it('fails when the service subscribes to a type the topology does not route to its queue', () => {
    expect(serviceContractProblems(consumer(catalog, ['ping.sent', 'pong.sent']), topology(catalog, ['ping.sent']))).toEqual([
      'listener (main queue) subscribes to [ping.sent v1, pong.sent v1] but the topology routes [ping.sent v1] to it',
    ]);
  });

  it('fails naming both when nobody produces what the service reads', () => {
    const withoutPong = defineCatalog({ 'ping.sent': catalog['ping.sent'] });
    const problems = serviceContractProblems(consumer(catalog, ['pong.sent']), topology(withoutPong, ['ping.sent']));
    expect(problems.join('\n')).toContain('listener (main queue) reads "pong.sent" v1, but no producer in the catalog publishes "pong.sent"');
  });
});
