import { startService } from '@game-mesh/runtime';
import { timeManager } from './service';

void startService(timeManager);
