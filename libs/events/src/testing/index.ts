export { startTestBroker } from './testBroker';
export type { TestBroker } from './testBroker';
export { waitFor } from './waitFor';
export { countRequests } from './countRequests';
export type { RequestCounter } from './countRequests';
export { startFaultProxy } from './faultProxy';
export type { FaultPlan, FaultProxy } from './faultProxy';
export { startGameMesh } from './gameMesh';
export type { GameMesh } from './gameMesh';
