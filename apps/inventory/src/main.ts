// inventory's entry point: runs the service.
import { startService } from '@game-mesh/runtime';
import { inventory } from './service';

void startService(inventory);
