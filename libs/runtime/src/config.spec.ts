// Tests: loadConfig.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseEnvSchema, ConfigError, loadConfig, queueUrlSchema, topicArnSchema } from './config';

const schema = baseEnvSchema(3000).extend({ EVENTS_TOPIC_ARN: topicArnSchema, EVENTS_QUEUE_URL: queueUrlSchema, TICK_MS: z.coerce.number().int().min(10).default(100) });
const required = ['EVENTS_TOPIC_ARN', 'EVENTS_QUEUE_URL'];

describe('loadConfig', () => {
  it('applies defaults and coerces numbers', () => {
    const config = loadConfig(schema, { EVENTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:prod-weather', EVENTS_QUEUE_URL: 'http://q/1', TICK_MS: '250' }, required);
    expect(config).toMatchObject({ PORT: 3000, LOG_LEVEL: 'info', EVENTS_MODE: 'sns', TICK_MS: 250, AWS_REGION: 'us-east-1' });
  });

  it('lists every bad variable in one error, the missing ones too', () => {
    let error: unknown;
    try {
      loadConfig(schema, { PORT: '99999', LOG_LEVEL: 'loud', EVENTS_TOPIC_ARN: 'weather', TICK_MS: '1' }, required);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^PORT: .*65535/m);
    expect(problems).toMatch(/^LOG_LEVEL: Invalid option/m);
    expect(problems).toMatch(/^EVENTS_TOPIC_ARN: must be an SNS topic ARN/m);
    expect(problems).toMatch(/^TICK_MS: .*10/m);
    expect(problems).toMatch(/^EVENTS_QUEUE_URL: required when EVENTS_MODE=sns/m);
    expect((error as ConfigError).problems).toHaveLength(5);
  });

  it('listens on loopback unless told, and refuses a network-facing operator API without a token or a deliberate OPERATOR_AUTH=none', () => {
    const base = { EVENTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:prod-weather', EVENTS_QUEUE_URL: 'http://q/1' };
    expect(loadConfig(schema, base, required).HOST).toBe('127.0.0.1');
    expect(() => loadConfig(schema, { ...base, HOST: '0.0.0.0' }, required)).toThrow(/HOST=0\.0\.0\.0 opens the operator API to the network: set OPERATOR_TOKEN \(16\+ characters\), or OPERATOR_AUTH=none/);
    expect(() => loadConfig(schema, { ...base, HOST: '::' }, required)).toThrow(/HOST=:: opens the operator API/);
    expect(loadConfig(schema, { ...base, HOST: '0.0.0.0', OPERATOR_TOKEN: 'a-long-operator-token' }, required).HOST).toBe('0.0.0.0');
    expect(loadConfig(schema, { ...base, HOST: '0.0.0.0', OPERATOR_AUTH: 'none' }, required).OPERATOR_AUTH).toBe('none');
    for (const HOST of ['127.0.0.1', 'localhost', '::1', '127.1.2.3']) expect(loadConfig(schema, { ...base, HOST }, required).HOST).toBe(HOST);
    expect(() => loadConfig(schema, { ...base, OPERATOR_AUTH: 'off' }, required)).toThrow(/OPERATOR_AUTH/);
  });

  it('needs no broker variables in log-only mode', () => {
    expect(loadConfig(schema, { EVENTS_MODE: 'log-only' }, required)).toMatchObject({ EVENTS_MODE: 'log-only' });
  });
});
