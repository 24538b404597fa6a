// `npm run deploy:plan -- --base <sha> [--head HEAD]`: what a push to main deploys, as JSON; inside
// GitHub Actions also as step outputs (prefix, stacks, apps, deploy) for the deploy workflow's jobs.
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { workspaceRoot } from '@game-mesh/services';
import { deployPlan } from './deployPlan';

const { values } = parseArgs({ options: { base: { type: 'string' }, head: { type: 'string', default: 'HEAD' } } });
if (values.base === undefined) {
  console.error('deploy:plan needs --base <commit> (the push\'s "before"; empty or all zeros: deploy everything)');
  process.exit(2);
}
// A run by hand has no "before", a branch's first push has all zeros: both deploy everything.
const plan = deployPlan(workspaceRoot(), values.base === '' ? '0'.repeat(40) : values.base, values.head);
console.log(JSON.stringify(plan, null, 2));
const outputs = process.env['GITHUB_OUTPUT'];
if (outputs) {
  const deploy = plan.stacks.length > 0 || plan.apps.length > 0;
  appendFileSync(outputs, `prefix=${plan.prefix}\nstacks=${JSON.stringify(plan.stacks)}\napps=${JSON.stringify(plan.apps)}\ndeploy=${deploy}\n`);
}
