// time-manager's entry point: runs the service.
import { startService } from '@game-mesh/runtime';
import { timeManager } from './service';

void startService(timeManager);
