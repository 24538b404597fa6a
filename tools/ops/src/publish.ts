// publish: one event from the command line, validated first.
import { ContractError, createEnvelope, gameEvents, getEventType, Publisher, type EventTypeName } from '@game-mesh/events';
import { topicArnsByName, type OpsContext } from './context';

type GameType = EventTypeName<typeof gameEvents>;

/** Validates against the contract first; a bad payload gets the zod issues and nothing is sent. */
export async function publishEvent(context: OpsContext, type: string, json: string): Promise<string> {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw new ContractError('EVENT_DATA_INVALID', `payload is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const definition = getEventType(gameEvents, type);
  // Throws with every zod issue before any request.
  createEnvelope(gameEvents, { type: type as GameType, data: data as never, source: definition.producer });
  const topicName = context.topology.topics.find((t) => t.key === definition.topic)?.name ?? '';
  const arn = (await topicArnsByName(context.sns)).get(topicName);
  if (!arn) throw new Error(`topic ${topicName} does not exist; run npm run topology`);
  const publisher = new Publisher({ catalog: gameEvents, source: definition.producer, transport: { mode: 'sns', sns: context.sns, topicArns: { [definition.topic]: arn } } });
  const { id, messageId } = await publisher.publish(type as GameType, data as never);
  context.out(`published ${type} ${id} to ${topicName} (SNS message ${messageId ?? '?'})`);
  return id;
}
