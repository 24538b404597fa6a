// What consumers read, checked against what producers publish: every (type, version) a consumer
// reads must have a producer.
import type { Catalog } from './catalog';
import { decodeEnvelope } from './codec';
import { ENVELOPE_SPEC_VERSION } from './envelope';

/** A (type, version) a consumer reads. */
export interface ConsumerRead {
  type: string;
  version: number;
}

/**
 * Consumer-driven contract check: every (type, version) the consumer reads must have a producer
 * in the catalog, and the producer's example events — of the version it publishes now and of
 * every older one still in flight — must decode as that version (upcast where needed).
 * Returns the problems, each naming the consumer and the producer.
 */
export function checkConsumerReads(catalog: Catalog, consumer: string, reads: readonly ConsumerRead[]): string[] {
  const problems: string[] = [];
  for (const read of reads) {
    const definition = Object.hasOwn(catalog, read.type) ? catalog[read.type] : undefined;
    if (!definition) {
      problems.push(`${consumer} reads "${read.type}" v${read.version}, but no producer in the catalog publishes "${read.type}"`);
      continue;
    }
    if (!definition.versions[read.version]) {
      problems.push(`${consumer} reads ${read.type} v${read.version}, but ${definition.producer} declares only v${Object.keys(definition.versions).join(', v')}`);
      continue;
    }
    for (let version = 1; version <= definition.current; version += 1) {
      definition.versions[version]?.examples.forEach((data, index) => {
        const event = {
          specversion: ENVELOPE_SPEC_VERSION,
          id: '00000000-0000-4000-8000-000000000000',
          type: read.type,
          version,
          source: definition.producer,
          time: '2026-01-01T00:00:00.000Z',
          correlationId: 'contract-check',
          data,
        };
        const result = decodeEnvelope(catalog, event, read.version);
        if (!result.ok) {
          problems.push(`${consumer} cannot read ${definition.producer}'s ${read.type} v${version} example ${index + 1} as v${read.version}: ${result.code}: ${result.reason}`);
        }
      });
    }
  }
  return problems;
}
