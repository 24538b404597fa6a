// Tests: contracts/asyncapi.json, read by the official parser.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

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
});
