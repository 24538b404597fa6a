// Everything `npm run services` writes from the declarations: Dockerfiles, project.json,
// declared.ts, the compose apps, Prometheus's files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALARM_THRESHOLDS, gameEvents, serviceDeclarationSchema, STOP_GRACE_SECONDS, type ServiceDeclaration } from '@game-mesh/events';
import { z } from 'zod';
import { formatJson } from './json';

/** One Dockerfile shape for every app, filled in from its declaration. */
export function dockerfileFor(service: ServiceDeclaration, node: string): string {
  const { name, port } = service;
  return `# syntax=docker/dockerfile:1
# ${name}: build from the repository root:  docker build -f apps/${name}/Dockerfile .
# Generated from apps/${name}/service.json by \`npm run services\`; every app's Dockerfile has this shape.
# The runtime image holds one self-contained bundle (every dependency inside) and nothing else.

FROM node:${node}-bookworm-slim AS build
WORKDIR /repo
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY tools/build ./tools/build
COPY tools/docker/healthcheck.cjs ./tools/docker/
COPY libs ./libs
COPY apps/${name} ./apps/${name}
RUN node tools/build/bundle.mjs ${name}

FROM node:${node}-bookworm-slim
ENV NODE_ENV=production PORT=${port} HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=root:root /repo/dist/apps/${name}/main.cjs /repo/dist/apps/${name}/main.cjs.map /repo/tools/docker/healthcheck.cjs ./
USER node
EXPOSE ${port}
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["node", "healthcheck.cjs"]
# Exec form: node is PID 1 and gets SIGTERM itself, drains and exits 0.
CMD ["node", "--enable-source-maps", "main.cjs"]
`;
}

const BEGIN = '  # --- apps: generated from apps/*/service.json by `npm run services`; edit those, not this ---';
const END = '  # --- end of apps ---';

/** The environment variable that moves an app's published port on the host, e.g. SAMPLE_CONSUMER_PORT. */
export const hostPortVariable = (name: string) => `${name.toUpperCase().replaceAll('-', '_')}_PORT`;

function composeApp(service: ServiceDeclaration): string {
  const { name, port } = service;
  return `  ${name}:
    <<: *app
    build:
      context: .
      dockerfile: apps/${name}/Dockerfile
    image: game-mesh/${name}:local
    command: ["node", "--env-file=/provisioned/${name}.env", "--enable-source-maps", "main.cjs"]
    # SIGTERM, then this long to drain and flush (as ECS's stopTimeout), then SIGKILL.
    stop_grace_period: ${STOP_GRACE_SECONDS}s
    ports:
      - "127.0.0.1:\${${hostPortVariable(name)}:-${port}}:${port}"
`;
}

/** docker-compose.yml with its apps section generated from the declarations; the rest as written. */
export function composeFile(current: string, services: readonly ServiceDeclaration[]): string {
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docker-compose.yml lacks the generated apps section (${BEGIN.trim()} … ${END.trim()})`);
  return `${current.slice(0, start)}${BEGIN}\n${services.map(composeApp).join('\n')}${current.slice(end)}`;
}

/** One Nx project shape for every app: build, typecheck, lint, test, container, deploy. */
export function projectJsonFor({ name }: ServiceDeclaration): string {
  const deploy = [
    `npm run contracts -- can-i-deploy ${name} --env {args.prefix} --revision {args.tag} --records {args.records}`,
    `nx run infra:deploy --stack=${name} --prefix={args.prefix} --tag={args.tag}`,
    `npm run contracts -- record ${name} --env {args.prefix} --revision {args.tag} --records {args.records}`,
  ].join(' && ');
  return `${JSON.stringify(
    {
      name,
      $schema: '../../node_modules/nx/schemas/project-schema.json',
      sourceRoot: `apps/${name}/src`,
      projectType: 'application',
      tags: ['type:app', `scope:${name}`],
      targets: {
        build: { command: `node tools/build/bundle.mjs ${name}` },
        typecheck: { command: `tsc -p apps/${name}/tsconfig.json` },
        lint: { command: `eslint apps/${name}` },
        test: { command: `vitest run --config apps/${name}/vitest.config.mts` },
        container: { command: `docker build -f apps/${name}/Dockerfile -t game-mesh/${name}:{args.tag} .`, options: { tag: 'local' } },
        deploy: { command: deploy, options: { prefix: 'prod', tag: 'HEAD', records: 'ssm' } },
      },
    },
    null,
    2,
  )}\n`;
}

const TSCONFIG = `{
  "extends": "../../tsconfig.base.json",
  "include": ["src/**/*.ts", "test/**/*.ts", "vitest.config.mts"]
}
`;

const property = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : `'${key}'`);

/**
 * \`apps/<name>/src/declared.ts\`: the declaration as typed code. It holds the checked
 * declaration and the reader schema of each subscription (the fields it lists, picked from the
 * version's schema), by queue; the runtime builds the service's publisher and subscribers from it,
 * and \`DeclaredHandlers\` is the handler map the compiler holds the app to.
 */
export function declaredModuleFor(service: ServiceDeclaration): string {
  const queues = Object.entries(service.consumes);
  const readerLines = queues.flatMap(([key, queue]) => [
    `    ${property(key)}: {`,
    ...queue.subscriptions.map((s) => {
      const version = s.version ?? gameEvents[s.type as keyof typeof gameEvents]?.current ?? 1;
      const schema = `gameEvents['${s.type}'].versions[${version}].schema`;
      return `      '${s.type}': ${s.reads ? `${schema}.pick({ ${s.reads.map((f) => `${property(f)}: true`).join(', ')} })` : schema},`;
    }),
    `    },`,
  ]);
  return `// Generated from apps/${service.name}/service.json by \`npm run services\`: edit that file, not this one.
import { gameEvents, parseServiceDeclaration } from '@game-mesh/events';
import type { Handlers } from '@game-mesh/runtime';
import declaration from '../service.json';

/** ${service.name} as its service.json declares it, checked; with what it reads of each event it consumes, by queue. */
export const declared = {
  catalog: gameEvents,
  declaration: parseServiceDeclaration(declaration, 'apps/${service.name}/service.json'),
  publishes: [${service.publishes.map((t) => `'${t}'`).join(', ')}],
  readers: ${readerLines.length > 0 ? `{\n${readerLines.join('\n')}\n  }` : '{}'},
} as const;

/** One handler per (queue, event type) it declares: \`build()\` returns exactly these. */
export type DeclaredHandlers = Handlers<typeof declared.readers>;
`;
}

/** The JSON Schema of service.json, for editors (its \`$schema\`). */
export const declarationJsonSchema = (): string => formatJson(z.toJSONSchema(serviceDeclarationSchema, { io: 'input' }));

/** Prometheus's scrape targets: every app's /metrics by its compose name and port. */
export function prometheusConfig(services: readonly ServiceDeclaration[]): string {
  return `# Generated from apps/*/service.json by \`npm run services\`: every app's /metrics, by its compose name.
# The alert rules (alerts.yml) are the CloudWatch alarms' twins; \`promtool test rules alerts.test.yml\`.
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files: [alerts.yml]
scrape_configs:
${services.map((s) => `  - job_name: ${s.name}\n    static_configs: [{ targets: ['${s.name}:${s.port}'] }]`).join('\n')}
`;
}

/**
 * The compose stack's alert rules: the CloudWatch alarms' twins, with the thresholds both read from
 * ALARM_THRESHOLDS (libs/events). The queue alarms read SQS's metrics on AWS and the services'
 * queue gauges here; the service alarms read the same counters in both places.
 */
export function alertRules(): string {
  const t = ALARM_THRESHOLDS;
  return `# Generated from ALARM_THRESHOLDS (libs/events) by \`npm run services\`: the CloudWatch alarms of
# tools/infra, on what the services export at /metrics. \`promtool test rules alerts.test.yml\` in CI.
groups:
  - name: game-event-mesh
    rules:
      - alert: QueueDepthHigh
        expr: event_queue_messages{state="visible", queue!~".*-dlq"} > ${t.queueDepth}
        for: 5m
        labels: { severity: warning }
        annotations:
          summary: "{{ $labels.service }} queue {{ $labels.queue }} has {{ $value }} messages waiting (alarm above ${t.queueDepth})"
      - alert: EventsWaitTooLong
        # CloudWatch alarms on the oldest waiting message (> ${t.oldestMessageSeconds} s); the services see how long the
        # events they handle waited, so this fires once slow ones are handled; a stuck consumer
        # shows as QueueDepthHigh.
        expr: histogram_quantile(0.99, sum by (service, queue, le) (rate(event_delivery_latency_seconds_bucket[5m]))) > ${t.oldestMessageSeconds}
        for: 5m
        labels: { severity: warning }
        annotations:
          summary: "{{ $labels.service }} handles events of {{ $labels.queue }} {{ $value }} s after they were published (alarm above ${t.oldestMessageSeconds} s)"
      - alert: DeadLetters
        expr: event_queue_messages{queue=~".*-dlq"} > ${t.deadLetters}
        labels: { severity: critical }
        annotations:
          summary: "{{ $labels.service }} dead-letter queue {{ $labels.queue }} holds {{ $value }} messages: npm run events -- peek, then redrive"
      - alert: DeadLettered
        # One per reason (the code label), as on CloudWatch: events a service sent to its DLQ in a minute.
        expr: sum by (service, code) (increase(events_dead_lettered_total[1m])) > ${t.deadLettered}
        labels: { severity: critical }
        annotations:
          summary: "{{ $labels.service }} dead-lettered events because of {{ $labels.code }}: npm run events -- peek, then redrive"
      - alert: HandlerFailures
        expr: sum by (service) (increase(events_failed_total[5m])) > ${t.handlerFailures}
        labels: { severity: warning }
        annotations:
          summary: "{{ $labels.service }}: {{ $value }} handler failures in 5 minutes (alarm above ${t.handlerFailures})"
      - alert: PublishFailures
        expr: |
          sum by (service) (rate(events_publish_failures_total[5m]))
            / (sum by (service) (rate(events_published_total[5m])) + sum by (service) (rate(events_publish_failures_total[5m])))
            > ${t.publishFailurePercent / 100}
        for: 5m
        labels: { severity: critical }
        annotations:
          summary: "{{ $labels.service }}: {{ $value | humanizePercentage }} of publishes fail (alarm above ${t.publishFailurePercent} %)"
`;
}

/** Every file `npm run services` writes, by path from the repository root. */
export function generatedServiceFiles(root: string, services: readonly ServiceDeclaration[]): Map<string, string> {
  const files = new Map<string, string>();
  // The Node every image runs: .nvmrc's, as CI's and the workflows'.
  const node = readFileSync(join(root, '.nvmrc'), 'utf8').trim();
  files.set('libs/services/service.schema.json', declarationJsonSchema());
  for (const service of services) {
    files.set(`apps/${service.name}/Dockerfile`, dockerfileFor(service, node));
    files.set(`apps/${service.name}/project.json`, projectJsonFor(service));
    files.set(`apps/${service.name}/tsconfig.json`, TSCONFIG);
    files.set(`apps/${service.name}/vitest.config.mts`, `// Vitest configuration of apps/${service.name}: the shared one (vitest.shared.mts). Generated by \`npm run services\`.\nimport { projectConfig } from '../../vitest.shared.mts';\n\nexport default projectConfig('apps/${service.name}');\n`);
    files.set(`apps/${service.name}/src/declared.ts`, declaredModuleFor(service));
  }
  files.set('tools/prometheus/prometheus.yml', prometheusConfig(services));
  files.set('tools/prometheus/alerts.yml', alertRules());
  files.set('docker-compose.yml', composeFile(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), services));
  return files;
}
