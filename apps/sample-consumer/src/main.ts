import { startService } from '@game-mesh/runtime';
import { sampleConsumer } from './service';

void startService(sampleConsumer);
