// Settings every SNS/SQS client gets: endpoint, region, retries, timeouts.
export interface AwsEndpointSettings {
  region: string;
  /** An emulator (fauxqs, LocalStack, dynalite); unset on AWS, where the default credential chain applies. */
  endpoint?: string | undefined;
}

export interface AwsClientLimits {
  /**
   * Longest wait for one HTTP answer. The SDK sets none by default and only logs unless told to
   * throw, so a broker that accepts connections and never answers would hang every call. Above
   * the 20 s long poll. @defaultValue 30_000
   */
  requestTimeoutMs?: number;
  /** Longest wait for a TCP connection. @defaultValue 3_000 */
  connectionTimeoutMs?: number;
  /** The SDK's own attempts per call. @defaultValue the SDK's (3) */
  maxAttempts?: number;
}

/**
 * The settings every AWS SDK client of the project is built with — services, tools, tests and
 * benchmarks alike: region, endpoint (with any credentials, for an emulator) and bounded requests.
 * Callers build the client (`new SQSClient(awsClientConfig(...))`); this builds none.
 */
export function awsClientConfig(settings: AwsEndpointSettings, limits: AwsClientLimits = {}) {
  return {
    region: settings.region,
    requestHandler: { requestTimeout: limits.requestTimeoutMs ?? 30_000, connectionTimeout: limits.connectionTimeoutMs ?? 3_000, throwOnRequestTimeout: true },
    ...(limits.maxAttempts === undefined ? {} : { maxAttempts: limits.maxAttempts }),
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
}
