// Tests: sample-consumer as a consumer of the contract.
import { gameEvents, topologyOfServices } from '@game-mesh/events';
import { serviceContractProblems } from '@game-mesh/runtime';
import { describe, expect, it } from 'vitest';
import { declared } from '../src/declared';
import { sampleConsumer } from '../src/service';

describe('sample-consumer as a consumer of the contract', () => {
  it('reads only (type, version) pairs a producer publishes, exactly as the topology routes them', () => {
    expect(serviceContractProblems(sampleConsumer, topologyOfServices(gameEvents, [declared.declaration]))).toEqual([]);
  });
});
