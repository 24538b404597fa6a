// For tests: a copy of the workspace as a developer has it, committed in a git repository of its
// own.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The workspace at `root` as a developer has it (committed and not, without build output), in a
 * throwaway git repository of one commit, node_modules linked: for tests that run generators,
 * `nx affected` or git-history checks on a change without touching the real checkout.
 */
export function copyWorkspace(root: string, prefix = 'workspace-'): string {
  const copy = mkdtempSync(join(tmpdir(), prefix));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter((f) => f && !f.startsWith('.nx/'));
  for (const file of files) {
    let content: Buffer;
    try {
      content = readFileSync(join(root, file));
    } catch {
      continue; // deleted in the work tree
    }
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    writeFileSync(join(copy, file), content);
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  commitAll(copy, 'the workspace');
  return copy;
}

/** Commits everything in `repo` (initialising it first if need be) as a test identity. */
export function commitAll(repo: string, message: string): void {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.email=test@example.com', '-c', 'user.name=test', 'commit', '-qm', message);
}
