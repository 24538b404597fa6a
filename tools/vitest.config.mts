import { projectConfig } from '../vitest.shared.mts';

export default projectConfig('tools', { testTimeout: 60_000, include: ['tools/test/**/*.spec.ts'] });
