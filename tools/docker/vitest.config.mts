import { projectConfig } from '../../vitest.shared.mts';

export default projectConfig('tools/docker', { testTimeout: 120_000 });
