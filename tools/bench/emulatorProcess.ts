import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** fauxqs in a process of its own (`countingEmulator.ts`), once it listens: its endpoint, and how to stop it. */
export async function startCountingEmulator(): Promise<{ endpoint: string; stop(): void }> {
  const child = spawn(process.execPath, ['node_modules/.bin/tsx', '--tsconfig', 'tools/tsconfig.json', 'tools/bench/countingEmulator.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => void child.kill('SIGTERM');
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
    });
    return { endpoint, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
