// Which revision of each app runs in each environment: SSM parameters or a local file.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetParametersByPathCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

/** Which git revision of each app runs in an environment: the deploy target writes it, can-i-deploy reads it. */
export interface DeploymentRecords {
  deployed(env: string): Promise<Record<string, string>>;
  record(env: string, app: string, revision: string): Promise<void>;
}

/** The local stand-in: `<dir>/<env>.json`, `{ "app": "<commit>" }`. */
export class FileDeploymentRecords implements DeploymentRecords {
  constructor(private readonly dir: string) {}

  async deployed(env: string): Promise<Record<string, string>> {
    const file = join(this.dir, `${env}.json`);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  }

  async record(env: string, app: string, revision: string): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const current = await this.deployed(env);
    writeFileSync(join(this.dir, `${env}.json`), `${JSON.stringify({ ...current, [app]: revision }, null, 2)}\n`);
  }
}

/**
 * On AWS: one SSM parameter per app and environment, `/game-mesh/<env>/deployed/<app>` = commit.
 * The deploy role needs ssm:PutParameter on that path, can-i-deploy ssm:GetParametersByPath.
 */
export class SsmDeploymentRecords implements DeploymentRecords {
  constructor(
    private readonly ssm: SSMClient,
    private readonly root = '/game-mesh',
  ) {}

  async deployed(env: string): Promise<Record<string, string>> {
    const path = `${this.root}/${env}/deployed/`;
    const found: Record<string, string> = {};
    let NextToken: string | undefined;
    do {
      const page = await this.ssm.send(new GetParametersByPathCommand({ Path: path, ...(NextToken ? { NextToken } : {}) }));
      for (const parameter of page.Parameters ?? []) if (parameter.Name && parameter.Value) found[parameter.Name.slice(path.length)] = parameter.Value;
      NextToken = page.NextToken;
    } while (NextToken);
    return found;
  }

  async record(env: string, app: string, revision: string): Promise<void> {
    await this.ssm.send(new PutParameterCommand({ Name: `${this.root}/${env}/deployed/${app}`, Value: revision, Type: 'String', Overwrite: true }));
  }
}
