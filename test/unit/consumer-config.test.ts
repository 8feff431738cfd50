/** The consumer's cold-start configuration: read once, failing fast with the variable's name. */
import { describe, expect, it } from 'vitest';
import { loadConsumerConfig, positiveIntegerEnv } from '../../src/config.js';
import { FLAPPING_DEFAULTS } from '../../src/domain/flapping.js';
import {
  InvalidEnvironmentVariableError,
  MissingEnvironmentVariableError,
} from '../../src/handlers/errors.js';

const ENV = {
  EVENTS_TABLE_NAME: 'prod-events',
  STATE_TABLE_NAME: 'prod-state',
  OUTBOX_TABLE_NAME: 'prod-outbox',
  QUARANTINE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/999999999999/config-monitor-quarantine',
};

describe('loadConsumerConfig', () => {
  it('reads the four variables, and the flapping threshold with its defaults', () => {
    expect(loadConsumerConfig(ENV)).toEqual({
      eventsTableName: 'prod-events',
      stateTableName: 'prod-state',
      outboxTableName: 'prod-outbox',
      quarantineQueueUrl: ENV.QUARANTINE_QUEUE_URL,
      flapping: FLAPPING_DEFAULTS,
    });
    expect(
      loadConsumerConfig({ ...ENV, FLAPPING_MAX_CHANGES: '6', FLAPPING_WINDOW_HOURS: '12' }).flapping,
    ).toEqual({ maxChanges: 6, windowMs: 12 * 3_600_000 });
    expect(() => loadConsumerConfig({ ...ENV, FLAPPING_WINDOW_HOURS: 'a day' })).toThrow(
      /FLAPPING_WINDOW_HOURS is "a day"; expected a positive integer/,
    );
  });

  it.each(Object.keys(ENV))('names %s when it is missing or blank', (name) => {
    for (const value of [undefined, '  ']) {
      const env = { ...ENV, [name]: value };
      expect(() => loadConsumerConfig(env)).toThrow(MissingEnvironmentVariableError);
      expect(() => loadConsumerConfig(env)).toThrow(`environment variable ${name} is not set`);
    }
  });

  it('refuses a queue URL that is not a URL, quoting it', () => {
    expect(() => loadConsumerConfig({ ...ENV, QUARANTINE_QUEUE_URL: 'config-monitor-quarantine' })).toThrow(
      'environment variable QUARANTINE_QUEUE_URL is "config-monitor-quarantine"; expected an http(s) URL',
    );
  });

  it('reads optional positive integers with a default', () => {
    expect(positiveIntegerEnv('ALERT_DIGEST_THRESHOLD', 10, {})).toBe(10);
    expect(positiveIntegerEnv('ALERT_DIGEST_THRESHOLD', 10, { ALERT_DIGEST_THRESHOLD: '25' })).toBe(25);
    expect(() => positiveIntegerEnv('ALERT_DIGEST_THRESHOLD', 10, { ALERT_DIGEST_THRESHOLD: '0' })).toThrow(
      InvalidEnvironmentVariableError,
    );
  });
});
