// What tests import from @game-mesh/events/testing.
export { startTestBroker } from './testBroker';
export type { TestBroker } from './testBroker';
export { waitFor } from './waitFor';
export { countRequests } from './countRequests';
export type { RequestCounter } from './countRequests';
export { COUNTS_PATH, startFaultProxy } from './faultProxy';
export type { FaultPlan, FaultProxy } from './faultProxy';
export { listener, startGameMesh } from './gameMesh';
export type { GameMesh } from './gameMesh';
export { freeBasePort } from './ports';
export { startTestDynamoDb } from './dynamoDb';
export type { TestDynamoDb } from './dynamoDb';
export { externalTool } from './externalTools';
export type { ContainerTools, ExternalToolName } from './externalTools';
export { commitAll, copyWorkspace } from './workspace';
export { startLocalEmulator } from './emulator';
export type { LocalEmulator } from './emulator';
