// sample-consumer's entry point: runs the service.
import { startService } from '@game-mesh/runtime';
import { sampleConsumer } from './service';

void startService(sampleConsumer);
