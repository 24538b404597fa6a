// For the benches: child processes started and stopped.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child process that prints one line once it is ready: that line, and how to stop the child. Fails if it exits first. */
export async function startUntilFirstLine(args: string[]): Promise<{ line: string; stop(): void }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => void child.kill('SIGTERM');
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before it was ready`)));
    });
    return { line, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

/** fauxqs in a process of its own (`countingEmulator.ts`), once it listens: its endpoint, and how to stop it. */
export async function startCountingEmulator(): Promise<{ endpoint: string; stop(): void }> {
  const { line, stop } = await startUntilFirstLine(['node_modules/.bin/tsx', '--tsconfig', 'tools/tsconfig.json', 'tools/bench/countingEmulator.ts']);
  return { endpoint: line, stop };
}

/** The value at quantile `p` of `sorted` (ascending), nearest rank below; 0 when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The counting emulator's count of what SNS bills (published messages, per started 64 KiB): a count, not a request. */
export const BILLED_SNS = 'billed:sns';
