// Vitest configuration of libs/services: the shared one (vitest.shared.mts).
import { projectConfig } from '../../vitest.shared.mts';

export default projectConfig('libs/services');
