// Vitest configuration of tools/ops: the shared one (vitest.shared.mts).
import { projectConfig } from '../../vitest.shared.mts';

export default projectConfig('tools/ops', { testTimeout: 60_000 });
