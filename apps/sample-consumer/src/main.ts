import { startService } from '@game-mesh/service-runtime';
import { sampleConsumer } from './service';

void startService(sampleConsumer);
