// Vitest configuration of tools/infra: the shared one (vitest.shared.mts).
import { projectConfig } from '../../vitest.shared.mts';

export default projectConfig('tools/infra', { testTimeout: 60_000 });
