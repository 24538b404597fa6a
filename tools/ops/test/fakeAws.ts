// For doctor's AWS checks: a server answering CloudWatch, Logs, IAM and ECS in their wire formats.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * No emulator here speaks CloudWatch, CloudWatch Logs, IAM or ECS, so doctor's AWS checks are
 * tested at the HTTP layer: this server answers the real SDK clients with responses in each API's
 * wire format (CloudWatch: JSON 1.0; Logs and ECS: JSON 1.1; IAM: the query protocol, XML), shaped
 * after the examples of the AWS API references — not captured from a live account. The answers
 * come from an account model the test sets, and every operation called is recorded.
 */
export interface FakeAccount {
  account: string;
  region: string;
  /** Existing roles and what each may do: `allowed(role, action, resourceArn)`. */
  roles: Record<string, (action: string, resource: string) => boolean>;
  /** Log events by log group: JSON lines as pino writes them. */
  logs: Record<string, string[]>;
  /** Datapoints by `MetricName|dimension value`, newest first. */
  metrics: Record<string, number[]>;
  /** ECS services by name: running and desired counts. */
  ecs: Record<string, { running: number; desired: number }>;
}

export interface FakeAws {
  url: string;
  /** Every operation called, e.g. `iam:SimulatePrincipalPolicy`, `logs:FilterLogEvents`. */
  calls: string[];
  stop(): Promise<void>;
}

const xml = (operation: string, result: string) =>
  `<${operation}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><${operation}Result>${result}</${operation}Result><ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></${operation}Response>`;
const iamError = (code: string, message: string) =>
  `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ErrorResponse>`;

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeAws(account: FakeAccount): Promise<FakeAws> {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    void body(req).then((text) => {
      const target = req.headers['x-amz-target'];
      const json = (status: number, payload: unknown, type = 'application/x-amz-json-1.1') => {
        res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': 'c7a4b4b5-EXAMPLE' });
        res.end(JSON.stringify(payload));
      };
      if (typeof target === 'string') {
        const [service, operation] = target.split('.') as [string, string];
        if (service.startsWith('GraniteServiceVersion')) {
          calls.push(`cloudwatch:${operation}`);
          const input = JSON.parse(text) as { MetricDataQueries: { Id: string; MetricStat: { Metric: { MetricName: string; Dimensions: { Value: string }[] } } }[] };
          const results = input.MetricDataQueries.map((q) => {
            const values = account.metrics[`${q.MetricStat.Metric.MetricName}|${q.MetricStat.Metric.Dimensions[0]?.Value ?? ''}`] ?? [];
            return { Id: q.Id, Label: q.MetricStat.Metric.MetricName, StatusCode: 'Complete', Timestamps: values.map((_, i) => Math.floor(Date.now() / 1000) - i * 300), Values: values };
          });
          return json(200, { MetricDataResults: results, Messages: [] }, 'application/x-amz-json-1.0');
        }
        if (service === 'Logs_20140328') {
          calls.push(`logs:${operation}`);
          const input = JSON.parse(text) as { logGroupName: string };
          const lines = account.logs[input.logGroupName];
          if (!lines) return json(400, { __type: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });
          const errors = lines.filter((line) => ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50);
          return json(200, { events: errors.map((message, i) => ({ logStreamName: 'app/app/1', timestamp: Date.now() - 1000 * (errors.length - i), message, ingestionTime: Date.now(), eventId: String(i) })), searchedLogStreams: [] });
        }
        if (service === 'AmazonEC2ContainerServiceV20141113') {
          calls.push(`ecs:${operation}`);
          const input = JSON.parse(text) as { cluster: string; services: string[] };
          const found = input.services.filter((s) => account.ecs[s]);
          return json(200, {
            services: found.map((s) => ({ serviceName: s, serviceArn: `arn:aws:ecs:${account.region}:${account.account}:service/${input.cluster}/${s}`, status: 'ACTIVE', runningCount: account.ecs[s]!.running, desiredCount: account.ecs[s]!.desired, pendingCount: 0 })),
            failures: input.services.filter((s) => !account.ecs[s]).map((s) => ({ arn: `arn:aws:ecs:${account.region}:${account.account}:service/${input.cluster}/${s}`, reason: 'MISSING' })),
          });
        }
        return json(400, { __type: 'UnknownOperationException' });
      }
      // IAM: the query protocol.
      const form = new URLSearchParams(text);
      const operation = form.get('Action') ?? '';
      calls.push(`iam:${operation}`);
      res.setHeader('content-type', 'text/xml');
      const roleName = form.get('RoleName') ?? (form.get('PolicySourceArn') ?? '').split('/').at(-1) ?? '';
      const allowed = account.roles[roleName];
      if (!allowed) {
        res.statusCode = 404;
        return res.end(iamError('NoSuchEntity', `The role with name ${roleName} cannot be found.`));
      }
      if (operation === 'GetRole') {
        return res.end(
          xml('GetRole', `<Role><Path>/</Path><RoleName>${roleName}</RoleName><RoleId>AROADBQP57FF2AEXAMPLE</RoleId><Arn>arn:aws:iam::${account.account}:role/${roleName}</Arn><CreateDate>2026-11-01T10:00:00Z</CreateDate><AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration></Role>`),
        );
      }
      if (operation === 'SimulatePrincipalPolicy') {
        const actions = [...form.entries()].filter(([k]) => k.startsWith('ActionNames.member.')).map(([, v]) => v);
        const resources = [...form.entries()].filter(([k]) => k.startsWith('ResourceArns.member.')).map(([, v]) => v);
        const members = actions.map((action) => {
          const decision = resources.every((r) => allowed(action, r)) ? 'allowed' : 'implicitDeny';
          return `<member><EvalActionName>${action}</EvalActionName><EvalResourceName>${resources[0] ?? '*'}</EvalResourceName><EvalDecision>${decision}</EvalDecision><MatchedStatements/><MissingContextValues/></member>`;
        });
        return res.end(xml('SimulatePrincipalPolicy', `<IsTruncated>false</IsTruncated><EvaluationResults>${members.join('')}</EvaluationResults>`));
      }
      res.statusCode = 400;
      return res.end(iamError('InvalidAction', `Could not find operation ${operation}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
