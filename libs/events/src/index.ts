// Contract: schemas, envelope and catalog. No AWS here.
export { defineCatalog } from './contract/catalog';
export type { Catalog, CurrentVersion, EventData, EventInput, EventTypeName, EventVersionNumber } from './contract/catalog';
export { createEnvelope, decodeEnvelope, DEFAULT_MAX_FUTURE_SKEW_MS, getEventType } from './contract/codec';
export type { DecodeChecks, DecodeResult, RejectionCode } from './contract/codec';
export { defineEventType, defineEventVersion, MAX_FILTER_ATTRIBUTES, RESERVED_ATTRIBUTE_NAMES } from './contract/defineEvent';
export type { CompatibilityMode, EventTypeDefinition, EventVersionDefinition, FilterAttributeDefinition } from './contract/defineEvent';
export { consumedEnvelopeSchema, ENVELOPE_SPEC_VERSION } from './contract/envelope';
export type { EventEnvelope, PublishMetadata } from './contract/envelope';
export { ContractError, formatIssues } from './contract/errors';
export { DEFAULT_PACK_BYTES, MIN_PACK_BYTES, PACK_FIELD, packBytesOf } from './contract/pack';
export type { PackEntry } from './contract/pack';
export { checkConsumerReads } from './contract/expectations';
export type { ConsumerRead } from './contract/expectations';
export type { ContractErrorCode } from './contract/errors';
export { gameEvents } from './contract/gameEvents';
export type { GameEvents } from './contract/gameEvents';
export { dayPhaseSchema, seasonSchema, timeChangedV1Schema } from './contract/events/time';
export type { DayPhase, Season } from './contract/events/time';
export { weatherChangedV1Schema, weatherConditionSchema, weatherStateSchema } from './contract/events/weather';
export type { WeatherCondition, WeatherState } from './contract/events/weather';

// Transport: SNS publisher and SQS subscriber.
export { MAX_PUBLISH_BATCH_ENTRIES, MAX_SNS_MESSAGE_BYTES, messageSize } from './transport/attributes';
export { BrokerUnavailableError, PublishRejectedError, PublishTimeoutError, TransportConfigError, TransportError } from './transport/errors';
export { bounded, BrokerTimeoutError } from './transport/bounded';
export { awsClientConfig } from './transport/clientConfig';
export type { AwsClientLimits, AwsEndpointSettings } from './transport/clientConfig';
export type { TransportErrorCode } from './transport/errors';
export { silentLogger } from './transport/logger';
export type { Logger } from './transport/logger';
export { isRetryableError } from './transport/retry';
export { DRAIN_MS, EXIT_MARGIN_MS, FLUSH_MS, forcedExitMs, STOP_GRACE_SECONDS } from './transport/stopBudget';
export { parseTraceparent, traceparentFor } from './transport/tracing';
export { Publisher } from './transport/publisher/Publisher';
export type { PublishOptions, PublisherEvents, PublisherOptions, PublisherTransport, PublishResult } from './transport/publisher/Publisher';
export { assertPublishBatchLimits, sendPublishBatch } from './transport/publisher/publishBatch';
export type { BatchEntry } from './transport/publisher/publishBatch';
export { Subscriber } from './transport/subscriber/Subscriber';
export { RECEIVE_ATTRIBUTES } from './transport/subscriber/registration';
export { DEAD_LETTER_REASON_ATTRIBUTE } from './transport/subscriber/deadLetter';
export { InMemoryIdempotencyStore } from './transport/subscriber/idempotency';
export type { ClaimOutcome, IdempotencyStore, PackClaim } from './transport/subscriber/idempotency';
export { DYNAMODB_IDEMPOTENCY_ACTIONS, DynamoDbIdempotencyStore } from './transport/subscriber/DynamoDbIdempotencyStore';
export type { DynamoDbIdempotencyStoreOptions } from './transport/subscriber/DynamoDbIdempotencyStore';
export { MIN_VISIBILITY_TIMEOUT_SECONDS } from './transport/subscriber/queueInfo';
export { DEAD_LETTER_CODES } from './transport/subscriber/types';
export { HandlerTimeoutError, PermanentError } from './transport/subscriber/handlerErrors';
export type { BatchContext, BatchHandler, BatchItemFailure, BatchMessage, BatchResult, DeadLetterCode, EventHandler, HandlerContext, SubscriberEvents, SubscriberOptions } from './transport/subscriber/types';

// Topology: declared once, applied idempotently to any endpoint.
export { defineTopology, resolveTopology, TOPOLOGY_DEFAULTS } from './topology/defineTopology';
export type {
  ConsumerDeclaration,
  QueueDeclaration,
  ResolvedQueue,
  ResolvedSubscription,
  ResolvedTopic,
  ResolvedTopology,
  SubscriptionDeclaration,
  TopologyDeclaration,
} from './topology/defineTopology';
export { FILTER_POLICY_LIMITS, validateFilterPolicy, valuesOffThresholds } from './topology/filterPolicy';
export type { FilterConditions, FilterPolicy, FilterValue, NumericOperator } from './topology/filterPolicy';
export { applyTopology, CLOUDFORMATION_STACK_TAG } from './topology/apply';
export type { AppliedQueue, ApplyChange, ApplyOptions, ApplyReport, ResourceKind } from './topology/apply';
export { queueEnvName, serviceEnvironment, TOPIC_ARN_ENV } from './topology/environment';
export {
  ALARM_THRESHOLDS,
  DEAD_LETTER_RETENTION_SECONDS,
  deadLetterQueuePolicy,
  QUEUE_RETENTION_SECONDS,
  queuePolicy,
  RECEIVE_WAIT_SECONDS,
  sameAttributeValue,
} from './topology/awsAttributes';
export { listTopicArns } from './topology/listTopics';
export { issuesOf, parseServiceDeclaration, readerOf, serviceDeclarationSchema, topologyOfServices } from './topology/serviceDeclaration';
export type { ServiceDeclaration } from './topology/serviceDeclaration';
