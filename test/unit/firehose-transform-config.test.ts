/** The archive transformation's configuration: the events table and the severity overrides. */
import { describe, expect, it } from 'vitest';
import {
  ARCHIVE_TRANSFORM_ENV,
  loadArchiveTransformConfig,
} from '../../src/handlers/firehose-transform.config.js';

const table = { [ARCHIVE_TRANSFORM_ENV.eventsTableName]: 'events' };

describe('loadArchiveTransformConfig', () => {
  it('has no severity overrides without SEVERITY_OVERRIDES', () => {
    expect(loadArchiveTransformConfig(table)).toEqual({ eventsTableName: 'events', severityOverrides: {} });
  });

  it('reads the overrides as base rule name → severity', () => {
    // Act
    const config = loadArchiveTransformConfig({
      ...table,
      [ARCHIVE_TRANSFORM_ENV.severityOverrides]: '{"s3-bucket-versioning-enabled":"LOW","custom":"CRITICAL"}',
    });

    // Assess
    expect(config.severityOverrides).toEqual({ 's3-bucket-versioning-enabled': 'LOW', custom: 'CRITICAL' });
  });

  it.each([['not json'], ['["LOW"]'], ['{"a":"SEVERE"}'], ['{"a":3}']])(
    'fails the cold start naming SEVERITY_OVERRIDES for %s',
    (value) => {
      expect(() =>
        loadArchiveTransformConfig({ ...table, [ARCHIVE_TRANSFORM_ENV.severityOverrides]: value }),
      ).toThrow(/SEVERITY_OVERRIDES .*CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL/);
    },
  );
});
