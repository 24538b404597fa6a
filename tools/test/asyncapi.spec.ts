// Tests: contracts/asyncapi.json, read by the official parser.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser } from '@asyncapi/parser';
import { gameEvents, type Catalog, type TopologyDeclaration } from '@game-mesh/events';
import { describe, expect, it } from 'vitest';
import { loadGameTopology } from '@game-mesh/services';
import { asyncApiDocument } from '../contracts/asyncapi';
import { versionContracts } from '../contracts/schemas';

const root = fileURLToPath(new URL('../..', import.meta.url));
const gameTopology = loadGameTopology(root);

describe('contracts/asyncapi.json, read by the official parser', () => {
  const parser = new Parser();
  const source = join(root, 'contracts/asyncapi.json');
  const errors = async (document: object) => (await parser.validate(JSON.stringify(document), { source })).filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
  const document = () => JSON.parse(readFileSync(join(root, 'contracts/asyncapi.json'), 'utf8')) as { channels: Record<string, { bindings?: { sqs?: Record<string, unknown> } }> };

  it('has no errors', async () => {
    expect(await errors(document())).toEqual([]);
  });

  it('would report the SQS binding mistakes it once had (the check can fail)', async () => {
    const broken = document();
    const channel = Object.values(broken.channels).find((c) => c.bindings?.sqs)!;
    channel.bindings!.sqs = { queues: [{ name: 'q' }], bindingVersion: '0.3.0' };
    expect((await errors(broken)).length).toBeGreaterThan(0);
  });

  it('describes a high-volume type’s packs as a message of its own, on its topic and its queues', async () => {
    const catalog = { ...gameEvents, 'weather.changed': { ...gameEvents['weather.changed'], highVolume: true } } as unknown as Catalog;
    const packed = asyncApiDocument({ ...gameTopology, catalog } as unknown as TopologyDeclaration<Catalog>, versionContracts(catalog), '0.0.0') as {
      channels: Record<string, { messages: Record<string, unknown> }>;
      components: { messages: Record<string, { payload: { properties: Record<string, { items: { properties: { event: { $ref: string } } } }> }; headers: { properties: Record<string, unknown> } }> };
    };
    expect(await errors(packed)).toEqual([]);
    const pack = packed.components.messages['weather.changed.v1.packed'];
    expect(pack?.payload.properties['packed']?.items.properties.event.$ref).toBe('schemas/weather.changed/v1.schema.json');
    // One attribute set for the whole pack: no per-message traceparent (each entry carries its own).
    expect(Object.keys(pack?.headers.properties ?? {})).toEqual(['type', 'intensity', 'condition']);
    expect(Object.keys(packed.channels['topic.weather']?.messages ?? {})).toContain('weather.changed.v1.packed');
    expect(Object.keys(document().channels).filter((id) => (packed.channels[id]?.messages ?? {})['weather.changed.v1.packed'] !== undefined).length).toBeGreaterThan(1);
  });
});
