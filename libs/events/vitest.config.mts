// Vitest configuration of libs/events: the shared one (vitest.shared.mts).
import { projectConfig } from '../../vitest.shared.mts';

export default projectConfig('libs/events');
