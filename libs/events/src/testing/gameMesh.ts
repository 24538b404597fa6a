// For tests: an emulator with a set of services' topology applied, and each service's environment.
import { gameEvents } from '../contract/gameEvents';
import { topologyOfServices, type ServiceDeclaration } from '../topology/serviceDeclaration';
import { resolveTopology } from '../topology/defineTopology';
import { applyTopology, type ApplyReport } from '../topology/apply';
import { startTestBroker, type TestBroker } from './testBroker';

export interface GameMesh {
  broker: TestBroker;
  report: ApplyReport;
  /** The environment a service gets from `npm start`: endpoint, region and its topic/queue variables. */
  envFor(service: string, extra?: Record<string, string>): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * fauxqs with every topic of the game's catalog and the queues of the given services (their
 * declarations: a service's test passes its own), for testing services in-process.
 */
/**
 * A test's own consumer, named \`listener\`: one queue receiving the given types (under the
 * filter, when given), so a producer's test can see what it published reach a queue.
 */
export function listener(types: readonly string[], filter?: Readonly<Record<string, readonly unknown[]>>): ServiceDeclaration {
  return { name: 'listener', description: 'A test listening on the broker.', port: 65_000, publishes: [], consumes: { main: { subscriptions: types.map((type) => ({ type, ...(filter ? { filter: { ...filter } as Record<string, unknown[]> } : {}) })) } } };
}

export async function startGameMesh(services: readonly ServiceDeclaration[], prefix = 'test'): Promise<GameMesh> {
  const broker = await startTestBroker();
  const report = await applyTopology({ sns: broker.sns, sqs: broker.sqs, topology: resolveTopology(topologyOfServices(gameEvents, services), { prefix }) });
  return {
    broker,
    report,
    envFor: (service, extra = {}) => ({
      AWS_ENDPOINT_URL: broker.endpoint,
      AWS_REGION: broker.region,
      PORT: '0',
      LOG_LEVEL: 'silent',
      ...report.environment[service],
      ...extra,
    }),
    stop: () => broker.stop(),
  };
}
