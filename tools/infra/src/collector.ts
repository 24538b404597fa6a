// The ADOT collector beside each app, and a schema of its configuration.
import { stringify } from 'yaml';
import { z } from 'zod';
import { METRICS_NAMESPACE } from '@game-mesh/services';

/**
 * The AWS Distro for OpenTelemetry collector that runs beside each app: its spans to X-Ray, its
 * /metrics to CloudWatch. Pinned, and pulled from the account's own ECR through a pull-through
 * cache of ECR Public (PlatformStack), so a VPC with no NAT reaches it through the ECR endpoints.
 */
export const ADOT_COLLECTOR = { upstream: 'public.ecr.aws', cachePrefix: 'ecr-public', repository: 'aws-observability/aws-otel-collector', tag: 'v0.43.3' } as const;
/** The collector's repository in the account's ECR, created by the pull-through cache on first pull. */
export const COLLECTOR_REPOSITORY = `${ADOT_COLLECTOR.cachePrefix}/${ADOT_COLLECTOR.repository}`;

/** Where the collector listens for the app's spans (the app's OTEL_EXPORTER_OTLP_ENDPOINT). */
export const OTLP_HTTP_ENDPOINT = '127.0.0.1:4318';
/** How often the collector reads the app's /metrics: once a minute, CloudWatch's standard resolution. */
export const SCRAPE_INTERVAL_SECONDS = 60;

/**
 * The metrics that reach CloudWatch, with their dimensions: what the alarms read (dead-lettered by
 * reason, handler failures, publish failures) and the rates beside them. The rest of /metrics
 * stays in the app (Prometheus in compose reads it all).
 */
export const CLOUDWATCH_METRICS = [
  { dimensions: [['service'], ['service', 'code']], metrics: ['events_dead_lettered_total'] },
  { dimensions: [['service']], metrics: ['events_failed_total', 'events_consumed_total', 'events_published_total', 'events_publish_failures_total'] },
] as const;

/**
 * A subset of the collector's configuration schema: the receivers, processors and exporters used
 * here, each with the fields it accepts (unknown ones refused, as the collector refuses them at
 * start), and pipelines that may only name components defined above them.
 */
const endpoint = z.string().regex(/^[\w.-]+:\d+$/, 'host:port');
export const collectorConfigSchema = z
  .object({
    receivers: z
      .object({
        otlp: z.strictObject({ protocols: z.strictObject({ http: z.strictObject({ endpoint }).optional(), grpc: z.strictObject({ endpoint }).optional() }) }).optional(),
        prometheus: z
          .strictObject({
            config: z.strictObject({
              scrape_configs: z
                .array(
                  z.strictObject({
                    job_name: z.string().min(1),
                    scrape_interval: z.string().regex(/^\d+[sm]$/).optional(),
                    metrics_path: z.string().startsWith('/').optional(),
                    static_configs: z.array(z.strictObject({ targets: z.array(endpoint).min(1), labels: z.record(z.string(), z.string()).optional() })).min(1),
                  }),
                )
                .min(1),
            }),
          })
          .optional(),
      })
      .strict(),
    processors: z.strictObject({ batch: z.strictObject({ timeout: z.string().optional(), send_batch_size: z.number().int().positive().optional() }).optional() }),
    exporters: z.strictObject({
      awsxray: z.strictObject({ region: z.string().optional() }).optional(),
      awsemf: z
        .strictObject({
          namespace: z.string().min(1),
          log_group_name: z.string().startsWith('/'),
          log_stream_name: z.string().optional(),
          dimension_rollup_option: z.enum(['NoDimensionRollup', 'SingleDimensionRollup', 'ZeroAndSingleDimensionRollup']).optional(),
          resource_to_telemetry_conversion: z.strictObject({ enabled: z.boolean() }).optional(),
          metric_declarations: z.array(z.strictObject({ dimensions: z.array(z.array(z.string()).min(1)).min(1), metric_name_selectors: z.array(z.string()).min(1) })).optional(),
        })
        .optional(),
    }),
    service: z.strictObject({
      pipelines: z.partialRecord(
        z.enum(['traces', 'metrics', 'logs']),
        z.strictObject({ receivers: z.array(z.string()).min(1), processors: z.array(z.string()).optional(), exporters: z.array(z.string()).min(1) }),
      ),
    }),
  })
  .strict()
  .superRefine((config, context) => {
    for (const [name, pipeline] of Object.entries(config.service.pipelines)) {
      if (!pipeline) continue;
      for (const [kind, defined] of [
        ['receivers', config.receivers],
        ['processors', config.processors],
        ['exporters', config.exporters],
      ] as const) {
        for (const component of (pipeline as Record<string, string[] | undefined>)[kind] ?? []) {
          if (!(component in defined)) context.addIssue({ code: 'custom', path: ['service', 'pipelines', name, kind], message: `${component} is not defined under ${kind}` });
        }
      }
    }
  });
export type CollectorConfig = z.infer<typeof collectorConfigSchema>;

/** The collector's configuration for one app: OTLP in → X-Ray, the app's /metrics → CloudWatch (EMF). */
export function collectorConfig(app: string, port: number, metricsLogGroup: string): CollectorConfig {
  const config: CollectorConfig = {
    receivers: {
      otlp: { protocols: { http: { endpoint: OTLP_HTTP_ENDPOINT } } },
      prometheus: { config: { scrape_configs: [{ job_name: app, scrape_interval: `${SCRAPE_INTERVAL_SECONDS}s`, metrics_path: '/metrics', static_configs: [{ targets: [`127.0.0.1:${port}`] }] }] } },
    },
    processors: { batch: {} },
    exporters: {
      awsxray: {},
      awsemf: {
        namespace: METRICS_NAMESPACE,
        log_group_name: metricsLogGroup,
        dimension_rollup_option: 'NoDimensionRollup',
        metric_declarations: CLOUDWATCH_METRICS.map((m) => ({ dimensions: m.dimensions.map((d) => [...d]), metric_name_selectors: m.metrics.map((name) => `^${name}$`) })),
      },
    },
    service: {
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['awsxray'] },
        metrics: { receivers: ['prometheus'], processors: ['batch'], exporters: ['awsemf'] },
      },
    },
  };
  return collectorConfigSchema.parse(config);
}

/** As the collector reads it (AOT_CONFIG_CONTENT). */
export const collectorConfigYaml = (config: CollectorConfig): string => stringify(config);
