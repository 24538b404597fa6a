// A forwarding proxy in its own process, so the benchmark's CPU figures are the client's alone.
// Prints its endpoint on stdout; counts requests by action (GET/DELETE /__fault-proxy/counts).
import { startFaultProxy } from '@game-mesh/events/testing';

const target = process.argv[2];
if (!target) throw new Error('usage: countingProxy.ts <target endpoint>');
const proxy = await startFaultProxy(target);
console.log(proxy.endpoint);
process.on('SIGTERM', () => void proxy.stop().then(() => process.exit(0)));
