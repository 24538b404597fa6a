import { startService } from '@game-mesh/service-runtime';
import { timeManager } from './service';

void startService(timeManager);
