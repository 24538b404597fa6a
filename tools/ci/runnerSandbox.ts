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
  let realAptGet = '';
  for (const source of hostPath.split(delimiter).filter((d) => d && existsSync(d))) {
    for (const name of readdirSync(source)) {
      const target = join(source, name);
      if (name === 'apt-get' && !realAptGet) realAptGet = target;
      if (absent.has(name) || existsSync(join(bin, name)) || ['sudo', 'apt-get'].includes(name)) continue;
      symlinkSync(target, join(bin, name));
    }
  }
  for (const [pkg, binaries] of Object.entries(absentOnRunner)) {
    const found = binaries.flatMap((name) => hostPath.split(delimiter).map((d) => join(d, name)).filter(existsSync).slice(0, 1));
    writeFileSync(join(packages, pkg), found.map((file) => `${file}\n`).join(''));
  }
  const script = (name: string, body: string) => {
    writeFileSync(join(shim, name), `#!/usr/bin/env bash\n${body}`);
    chmodSync(join(shim, name), 0o755);
  };
  // The runner's sudo needs no password; here we are root already, so it only runs the command.
  script('sudo', 'while [ $# -gt 0 ]; do case "$1" in --) shift; break ;; -u|-g) shift 2 ;; -*) shift ;; *) break ;; esac; done\nexec "$@"\n');
  script(
    'apt-get',
    [
      'set -e',
      `${JSON.stringify(options.aptGet ?? (realAptGet || '/usr/bin/apt-get'))} "$@"`,
      'install=false',
      'for arg in "$@"; do',
      '  [ "$arg" = install ] && { install=true; continue; }',
      `  if $install && [ -f ${JSON.stringify(packages)}/"$arg" ]; then`,
      `    while read -r file; do [ -n "$file" ] && ln -sf "$file" ${JSON.stringify(bin)}/; done < ${JSON.stringify(packages)}/"$arg"`,
      '  fi',
      'done',
      '',
    ].join('\n'),
  );
  return [shim, bin].join(delimiter);
}
