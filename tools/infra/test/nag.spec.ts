// Tests: cdk-nag AwsSolutions over the CDK app.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { addMeshStacks, stackName } from '../src/meshApp';

// cdk-nag's AwsSolutions pack as a policy-validation plugin over the whole app as `cdk deploy`
// synthesizes it (every stack, the CI stack included, in an account), in both egress modes.
// Every finding is fixed or acknowledged beside the construct it concerns, with its reason.
const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Report {
  pluginReports: { pluginName: string; conclusion: string; violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[] }[];
}

function nag(egress: 'nat' | 'endpoints', tamper?: (app: App) => void): { findings: string[]; threw?: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'nag-'));
  outdirs.push(outdir);
  const app = addMeshStacks(new App({ outdir }), { prefix: 'prod', imageTag: 'abc123', egress, githubRepository: 'game-co/game-event-mesh', env: { account: '123456789012', region: 'eu-west-1' } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  tamper?.(app);
  let threw: string | undefined;
  try {
    app.synth();
  } catch (error) {
    threw = String(error);
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as Report;
  const findings = report.pluginReports.flatMap((r) => r.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.severity} ${v.ruleName} ${c.constructPath}`)));
  return { findings, ...(threw ? { threw } : {}) };
}

describe('cdk-nag AwsSolutions over the CDK app', () => {
  it.each(['nat', 'endpoints'] as const)('reports no unacknowledged finding, error or warning (egress %s)', (egress) => {
    const result = nag(egress);
    expect(result.findings).toEqual([]);
    expect(result.threw).toBeUndefined();
  }, 120_000);

  it('fails the synth on a finding nobody acknowledged (the check can fail)', () => {
    // A wildcard grant with no reason recorded: what IAM5 exists to catch.
    const result = nag('nat', (app) => {
      const stack = app.node.findChild(stackName('prod', 'weather-manager'));
      const role = stack.node.findChild('TaskRole') as Role;
      role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:*'], resources: ['arn:aws:sqs:eu-west-1:123456789012:prod-weather-manager'] }));
    });
    expect(result.findings).toEqual([expect.stringMatching(/^error AwsSolutions-IAM5\[Action::sqs:\*\] GameMesh-prod-weather-manager\/TaskRole\/DefaultPolicy/)]);
    expect(result.threw).toMatch(/ValidationFailed/);
  }, 120_000);
});
