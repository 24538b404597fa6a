import { gameTopology } from '../topology/gameTopology';
import { resolveTopology } from '../topology/declaration';
import { applyTopology, type ApplyReport } from '../topology/apply';
import { startTestBroker, type TestBroker } from './testBroker';

export interface GameMesh {
  broker: TestBroker;
  report: ApplyReport;
  /** The environment a service gets from `npm start`: endpoint, region and its topic/queue variables. */
  envFor(service: string, extra?: Record<string, string>): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** fauxqs with the game topology applied, for testing one service in-process. */
export async function startGameMesh(prefix = 'test'): Promise<GameMesh> {
  const broker = await startTestBroker();
  const report = await applyTopology({ sns: broker.sns, sqs: broker.sqs, topology: resolveTopology(gameTopology, { prefix }) });
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
