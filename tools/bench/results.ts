// Where a bench run's results go: printed, and kept in a file the run names (bench-results/ is not
// committed; BENCH_OUT moves it). A run's figures belong to the run, not to the repository.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface BenchOutput {
  /** Prints a line and keeps it for the text file. */
  say(line?: string): void;
  /** Writes `<name>-<time>.txt` (what was printed) and `.json` (the figures); returns the base path. */
  save(figures: unknown): string;
}

export function benchOutput(name: string, directory = process.env['BENCH_OUT'] ?? 'bench-results'): BenchOutput {
  const lines: string[] = [];
  return {
    say(line = '') {
      console.log(line);
      lines.push(line);
    },
    save(figures) {
      mkdirSync(directory, { recursive: true });
      const base = resolve(join(directory, `${name}-${new Date().toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}`));
      writeFileSync(`${base}.txt`, `${lines.join('\n')}\n`);
      writeFileSync(`${base}.json`, `${JSON.stringify(figures, null, 2)}\n`);
      console.log(`\nresults: ${base}.txt and .json`);
      return base;
    },
  };
}
