import { projectConfig } from '../../vitest.shared.mts';

export default projectConfig('tools/ops', { testTimeout: 60_000 });
