// Vitest configuration of tools/docker: the shared one (vitest.shared.mts).
import { projectConfig } from '../../vitest.shared.mts';

export default projectConfig('tools/docker', { testTimeout: 120_000 });
