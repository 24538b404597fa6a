// Vitest configuration of libs/runtime: the shared one (vitest.shared.mts).
import { projectConfig } from '../../vitest.shared.mts';

export default projectConfig('libs/runtime');
