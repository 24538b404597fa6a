// Tests: the deploy guide in the README.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addMeshStacks } from '../src/meshApp';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const guide = readme.slice(readme.indexOf('### From an empty account to every app running'), readme.indexOf('### The stacks'));
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, { needs?: string | string[]; steps: { run?: string }[] }>;
}
const deploy = parse(readFileSync(join(root, '.github/workflows/deploy.yml'), 'utf8')) as Workflow;
const deployText = readFileSync(join(root, '.github/workflows/deploy.yml'), 'utf8');
const cdk = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { app: string; context: Record<string, string> };

// The README's path from an empty account to every app running, held against what the workflows,
// cdk.json and the CDK app actually are: a renamed secret, stack or context key fails here.
describe('the deploy guide in the README', () => {
  it('is there, in order: bootstrap, choices, the deploy role, the shared stacks, every app, then the pipeline', () => {
    const steps = ['npx cdk bootstrap', 'cdk.json', 'npx cdk deploy GameMesh-prod-ci', 'npx cdk deploy GameMesh-prod-messaging GameMesh-prod-platform', 'gh workflow run deploy.yml', 'From then on, the pipeline'];
    const at = steps.map((step) => guide.indexOf(step));
    expect(at.every((index) => index >= 0), `missing: ${steps.filter((_, i) => at[i]! < 0).join(', ')}`).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('names every secret the deploy workflow reads, and the region it deploys to', () => {
    const secrets = [...new Set([...deployText.matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]!))];
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(guide).toContain(secret);
    expect(deploy.env?.['AWS_REGION']).toBeDefined();
    expect(guide).toContain('AWS_REGION');
  });

  it('deploys stacks the CDK app has, under the prefix cdk.json gives', () => {
    const app = addMeshStacks(new App(), { prefix: cdk.context['prefix']!, imageTag: 'x', githubRepository: 'owner/name' });
    const stacks = app.node.children.map((child) => child.node.id);
    const named = [...guide.matchAll(/GameMesh-[a-z]+-[a-z-]+/g)].map((m) => m[0]);
    expect(named.length).toBeGreaterThan(0);
    for (const stack of named) expect(stacks).toContain(stack);
  });

  it('describes the pipeline that exists: can be run by hand, plans, deploys the shared stacks, then each app', () => {
    expect(Object.keys(deploy.on)).toEqual(expect.arrayContaining(['push', 'workflow_dispatch']));
    expect(Object.keys(deploy.jobs)).toEqual(['plan', 'infrastructure', 'deploy']);
    expect(deploy.jobs['infrastructure']!.needs).toBe('plan');
    expect(deploy.jobs['deploy']!.needs).toEqual(['plan', 'infrastructure']);
    expect(deploy.jobs['plan']!.steps.map((s) => s.run ?? '').join('\n')).toContain('npm run deploy:plan');
    expect(guide).toContain('npm run deploy:plan');
    for (const job of ['plan', 'infrastructure', 'deploy']) expect(guide).toContain(`\`${job}\``);
  });

  it('names each context key cdk.json holds, and the app command cdk.json gives is the CDK entry', () => {
    for (const key of Object.keys(cdk.context)) expect(readme).toContain(`\`${key}\``);
    expect(cdk.app).toContain('tools/infra/src/main.ts');
  });
});
