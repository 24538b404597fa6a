// For the guarantee specs: a test catalog's event as a raw message body, a one-queue topology, and
// a mesh each test starts and afterEach stops.
import { randomUUID } from 'node:crypto';
import { afterEach } from 'vitest';
import { defineTopology } from '../src';
import type { FaultProxy } from '../src/testing';
import { startMesh, testEvents, type Mesh, type TestEvents } from './mesh';

export const score = (points: number) => ({ playerId: 'ada', points, bonus: false });
export const envelopeBody = (id = randomUUID()) =>
  JSON.stringify({ specversion: '1.0', id, type: 'score.changed', version: 2, source: 'scorer', time: new Date().toISOString(), correlationId: id, data: score(1) });

export function topology(queue: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number } = {}) {
  return defineTopology({ catalog: testEvents, consumers: { board: { main: { subscriptions: [{ type: 'score.changed' }], ...queue } } } });
}

/** What the running test opened; stopped after each test (call {@link stopOpenAfterEach} once per file). */
export const open: { mesh?: Mesh<TestEvents>; proxy?: FaultProxy } = {};
export async function mesh(queue: Parameters<typeof topology>[0] = {}): Promise<Mesh<TestEvents>> {
  open.mesh = await startMesh(topology(queue));
  return open.mesh;
}
export function stopOpenAfterEach(): void {
  afterEach(async () => {
    await open.proxy?.stop();
    await open.mesh?.stop();
    delete open.proxy;
    delete open.mesh;
  });
}
