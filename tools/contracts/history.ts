// Every schema each (type, version) ever had, from git history.
import { execFileSync } from 'node:child_process';
import type { JsonSchema } from './schemas';

/** Every distinct schema a (type, version) ever had in the history of `ref`, oldest first. */
export type SchemaHistory = Map<string, { commit: string; schema: JsonSchema }[]>;

export const versionKey = (type: string, version: number) => `${type}@v${version}`;

const git = (root: string, args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

/**
 * The registry is the git history: every schema of every (type, version) that any commit reachable
 * from `ref` held under `contracts/schemas/`. Deleting or regenerating files in a change cannot
 * hide a break, since the versions before it stay in history. Refuses a shallow clone, where that
 * history is missing (CI must fetch it all: `fetch-depth: 0`).
 */
export function readSchemaHistory(root: string, ref = 'HEAD'): SchemaHistory {
  if (git(root, ['rev-parse', '--is-shallow-repository']).trim() === 'true') {
    throw new Error('The contract gate reads the schemas of every earlier commit, and this clone is shallow: fetch the whole history (git fetch --unshallow; in GitHub Actions, actions/checkout with fetch-depth: 0).');
  }
  const history: SchemaHistory = new Map();
  const commits = git(root, ['log', '--format=%H', '--reverse', ref, '--', 'contracts/schemas']).split('\n').filter(Boolean);
  for (const commit of commits) {
    const paths = git(root, ['ls-tree', '-r', '--name-only', commit, '--', 'contracts/schemas']).split('\n').filter(Boolean);
    for (const path of paths) {
      const match = /^contracts\/schemas\/(.+)\/v(\d+)\.schema\.json$/.exec(path);
      if (!match) continue;
      const text = git(root, ['show', `${commit}:${path}`]);
      const key = versionKey(match[1] ?? '', Number(match[2]));
      const seen = history.get(key) ?? [];
      if (!seen.some((entry) => JSON.stringify(entry.schema) === JSON.stringify(JSON.parse(text)))) seen.push({ commit, schema: JSON.parse(text) as JsonSchema });
      history.set(key, seen);
    }
  }
  return history;
}

/** A file of `contracts/` as it was at `revision`, or undefined where it did not exist. */
export function contractFileAt(root: string, revision: string, path: string): string | undefined {
  try {
    return git(root, ['show', `${revision}:contracts/${path}`]);
  } catch {
    return undefined;
  }
}

/** The full commit id of a revision (a tag, a branch, HEAD, a short sha). */
export function resolveRevision(root: string, revision: string): string {
  return git(root, ['rev-parse', '--verify', `${revision}^{commit}`]).trim();
}

/** Every file under `contracts/` as `revision` held it, by path relative to `contracts/`. */
export function contractFilesAt(root: string, revision: string): Map<string, string> {
  const paths = git(root, ['ls-tree', '-r', '--name-only', revision, '--', 'contracts']).split('\n').filter(Boolean);
  return new Map(paths.map((path) => [path.slice('contracts/'.length), git(root, ['show', `${revision}:${path}`])]));
}

/** The base a change is judged against when none is given: its merge base with origin/main, else HEAD. */
export function defaultBase(root: string): string {
  try {
    return execFileSync('git', ['merge-base', 'HEAD', 'origin/main'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'HEAD';
  }
}

/** Services (apps/<name>/) whose files differ between `base` and the work tree, untracked files included. */
export function changedServices(root: string, base: string): Set<string> {
  const changed = [...git(root, ['diff', '--name-only', base]).split('\n'), ...git(root, ['ls-files', '--others', '--exclude-standard', 'apps']).split('\n')];
  return new Set(changed.map((path) => /^apps\/([^/]+)\//.exec(path)?.[1]).filter((name): name is string => name !== undefined));
}
