import { startService } from '@game-mesh/service-runtime';
import { weatherManager } from './service';

void startService(weatherManager);
