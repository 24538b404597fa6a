// The PATH of a runner-shaped machine: without the tools a GitHub-hosted runner lacks.
import { chmodSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Binaries a GitHub-hosted Ubuntu runner does not have, by the Debian package that brings them.
 * They exist on this machine (`.ci/run` installed them), so a step sees them only once it installs
 * their package with apt-get, as it must on the runner.
 */
export const ABSENT_ON_RUNNER: Readonly<Record<string, readonly string[]>> = {
  prometheus: ['promtool', 'prometheus'],
  podman: ['podman'],
  'docker-compose': ['docker-compose'],
};

/** Variables of this machine a runner does not have, or that would point a step at this machine's setup. */
export const NOT_ON_RUNNER = ['DOCKER_HOST', 'CONTAINER_HOST', 'GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_PATH', 'NX_DAEMON', 'CI'];

/**
 * A PATH shaped like a hosted runner's: every command of this machine's PATH, but those in
 * ABSENT_ON_RUNNER; a passwordless `sudo` that runs its command; and an `apt-get` that runs the real
 * one and then makes the installed packages' binaries visible.
 * @returns the PATH to give the steps
 */
export function runnerPath(dir: string, options: { hostPath?: string; absent?: Readonly<Record<string, readonly string[]>>; aptGet?: string } = {}): string {
  const hostPath = options.hostPath ?? process.env['PATH'] ?? '';
  const absentOnRunner = options.absent ?? ABSENT_ON_RUNNER;
  const bin = join(dir, 'bin');
  const shim = join(dir, 'shim');
  const packages = join(dir, 'packages');
  for (const d of [bin, shim, packages]) mkdirSync(d, { recursive: true });
  const absent = new Set(Object.values(absentOnRunner).flat());
  for (const d of [dir, bin, shim, packages]) chmodSync(d, 0o755); // apt's methods run as _apt and must reach them
  let realAptGet = '';
  for (const source of hostPath.split(delimiter).filter((d) => d && existsSync(d))) {
    for (const name of readdirSync(source)) {
      const target = join(source, name);
      if (name === 'apt-get' && !realAptGet) realAptGet = target;
      if (absent.has(name) || existsSync(join(bin, name)) || ['sudo', 'apt-get'].includes(name)) continue;
      symlinkSync(target, join(bin, name));
    }
  }
  for (const [pkg, binaries] of Object.entries(absentOnRunner)) writeFileSync(join(packages, pkg), binaries.map((name) => `${name}\n`).join(''));
  const hostDirs = hostPath.split(delimiter).filter(Boolean);
  const script = (name: string, body: string) => {
    writeFileSync(join(shim, name), `#!/usr/bin/env bash\n${body}`);
    chmodSync(join(shim, name), 0o755);
  };
  // The runner's sudo needs no password; here we are root already, so it only runs the command.
  script('sudo', 'while [ $# -gt 0 ]; do case "$1" in --) shift; break ;; -u|-g) shift 2 ;; -*) shift ;; *) break ;; esac; done\nexec "$@"\n');
  // After an install: what it put on the host's PATH appears (but the absent tools of packages it
  // did not name), and the absent tools of the packages it named appear too.
  script(
    'apt-get',
    [
      'set -e',
      `${JSON.stringify(options.aptGet ?? (realAptGet || '/usr/bin/apt-get'))} "$@"`,
      'install=false; named=()',
      'for arg in "$@"; do [ "$arg" = install ] && install=true; case "$arg" in -*) ;; *) named+=("$arg") ;; esac; done',
      '$install || exit 0',
      'declare -A hidden=()',
      `for list in ${JSON.stringify(packages)}/*; do`,
      '  case " ${named[*]} " in *" ${list##*/} "*) continue ;; esac',
      '  while read -r name; do hidden[$name]=1; done < "$list"',
      'done',
      `for dir in ${hostDirs.map((d) => JSON.stringify(d)).join(' ')}; do`,
      '  [ -d "$dir" ] || continue',
      '  for file in "$dir"/*; do',
      '    [ -e "$file" ] || continue',
      '    name=${file##*/}',
      '    [ -n "${hidden[$name]:-}" ] && continue',
      `    [ -e ${JSON.stringify(bin)}/"$name" ] || [ "$name" = sudo ] || [ "$name" = apt-get ] || ln -s "$file" ${JSON.stringify(bin)}/"$name"`,
      '  done',
      'done',
      '',
    ].join('\n'),
  );
  return [shim, bin].join(delimiter);
}
