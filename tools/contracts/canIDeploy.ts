// can-i-deploy: whether an app's revision may go to an environment, against what runs there.
import { dataOf, envelopeOf, validationBreaks as breaks } from './compatibility';
import { contractState, type ContractState } from './gate';
import { contractFilesAt } from './history';
import type { JsonSchema } from './schemas';


export interface Verdict {
  ok: boolean;
  reasons: string[];
  /** What was compared with what. */
  checked: string[];
}

/**
 * Can `app` at `revision` go to an environment where other apps run at the revisions recorded?
 * From the git history of the contract: every consumer deployed there must read what this app
 * would publish, and this app must read what is published there (each side's reader schemas and
 * versions at its own revision).
 */
export function canIDeploy(root: string, app: string, revision: string, deployed: Record<string, string>): Verdict {
  const candidate = contractState(contractFilesAt(root, revision));
  const reasons: string[] = [];
  const checked: string[] = [];
  const others = Object.entries(deployed).filter(([name]) => name !== app);
  const states = new Map(others.map(([name, rev]) => [name, { rev, state: contractState(contractFilesAt(root, rev)) }]));
  const short = (rev: string) => rev.slice(0, 8);

  // As a producer: every deployed reader of what this app publishes.
  for (const [type, info] of Object.entries(candidate.catalog.types).filter(([, t]) => t.producer === app)) {
    for (const [consumer, { rev, state }] of states) {
      for (const read of readsOf(state, consumer, type)) {
        checked.push(`${app}@${short(revision)} publishes ${type} v${info.current} → ${consumer}@${short(rev)} (${read.queue}) reads v${read.version}`);
        reasons.push(...readable(candidate, info.current, state, read, type).map((r) => `${consumer}@${short(rev)} (${read.queue} queue) cannot read ${type} v${info.current} from ${app}@${short(revision)}: ${r}`));
      }
    }
  }
  // As a consumer: what each deployed producer publishes.
  for (const read of readsOf(candidate, app)) {
    const producer = candidate.catalog.types[read.type]?.producer;
    const there = producer === undefined ? undefined : states.get(producer);
    if (!producer || !there) continue;
    const published = there.state.catalog.types[read.type]?.current;
    if (published === undefined) {
      reasons.push(`${producer}@${short(there.rev)} does not publish ${read.type} at all`);
      continue;
    }
    checked.push(`${producer}@${short(there.rev)} publishes ${read.type} v${published} → ${app}@${short(revision)} (${read.queue}) reads v${read.version}`);
    reasons.push(...readable(there.state, published, candidate, read, read.type).map((r) => `${app}@${short(revision)} (${read.queue} queue) cannot read ${read.type} v${published} from ${producer}@${short(there.rev)}: ${r}`));
  }
  return { ok: reasons.length === 0, reasons, checked };
}

function readsOf(state: ContractState, service: string, type?: string) {
  return state.readers.filter((f) => f.service === service).flatMap((f) => f.reads.filter((r) => type === undefined || r.type === type));
}

/** Problems of a reader (at its revision) with the events of (type, version) a producer (at its revision) sends. */
function readable(producer: ContractState, version: number, consumer: ContractState, read: { version: number; reader: JsonSchema | null }, type: string): string[] {
  const sent = producer.schemas.get(`${type}@v${version}`);
  if (!sent) return [`the producer's contract has no ${type} v${version}`];
  if (version > read.version) return [`it reads v${read.version}, and a newer version cannot be read as an older one; deploy the consumer (reading v${version}) first`];
  const known = consumer.schemas.get(`${type}@v${version}`);
  if (!known) return [`its contract does not know ${type} v${version}`];
  const problems = breaks(envelopeOf(sent), envelopeOf(known)).map((b) => `${b.path}: ${b.problem}`);
  // Its own version goes through its reader; an older one through that version's schema, then the upcaster.
  const target = version === read.version && read.reader ? read.reader : dataOf(known);
  problems.push(...breaks(dataOf(sent), target, 'data').map((b) => `${b.path}: ${b.problem}`));
  return problems;
}
