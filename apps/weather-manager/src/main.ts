// weather-manager's entry point: runs the service.
import { startService } from '@game-mesh/runtime';
import { weatherManager } from './service';

void startService(weatherManager);
