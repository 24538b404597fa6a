// `npm run synth`: CloudFormation for every stack, offline, into cdk.out/.
import { App } from 'aws-cdk-lib';
import { addMeshStacks } from './meshApp';

const prefix = process.argv[2] ?? 'prod';
const app = addMeshStacks(new App({ outdir: 'cdk.out' }), { prefix, imageTag: process.argv[3] ?? 'latest' });
const assembly = app.synth();
for (const stack of assembly.stacks) console.log(`${stack.stackName.padEnd(36)} ${stack.templateFullPath.replace(`${process.cwd()}/`, '')}`);
