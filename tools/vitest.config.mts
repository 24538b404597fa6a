// Vitest configuration of tools: the shared one (vitest.shared.mts).
import { projectConfig } from '../vitest.shared.mts';

// One file at a time: each end-to-end file runs a whole stack, and 2 cores do not run three at
// once without skewing the latencies they check.
export default projectConfig('tools', { testTimeout: 60_000, include: ['tools/test/**/*.spec.ts'], fileParallelism: false });
