/** The archive transformation's configuration: the events table and the bundled routing file's severity overrides. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTING_FILE_ENV } from '../../src/config.js';
import {
  ARCHIVE_TRANSFORM_ENV,
  loadArchiveTransformConfig,
} from '../../src/handlers/firehose-transform.config.js';

const table = { [ARCHIVE_TRANSFORM_ENV.eventsTableName]: 'events' };

function routingFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'routing-')), 'routing.json');
  writeFileSync(path, content);
  return path;
}

describe('loadArchiveTransformConfig', () => {
  it('has no severity overrides without a routing file', () => {
    expect(loadArchiveTransformConfig(table)).toEqual({ eventsTableName: 'events', severityOverrides: {} });
  });

  it("reads the routing file's overrides as base rule name → severity", () => {
    // Act
    const config = loadArchiveTransformConfig({
      ...table,
      [ROUTING_FILE_ENV]: routingFile(
        '{"severityOverrides":{"s3-bucket-versioning-enabled":"LOW","custom":"CRITICAL"}}',
      ),
    });

    // Assess
    expect(config.severityOverrides).toEqual({ 's3-bucket-versioning-enabled': 'LOW', custom: 'CRITICAL' });
  });

  it.each([
    ['not json', /not valid JSON|JSON/],
    ['{"severityOverrides":{"a":"SEVERE"}}', /routing\.severityOverrides/],
  ])('fails the cold start naming the file and the field for %s', (content, reason) => {
    const path = routingFile(content);
    expect(() => loadArchiveTransformConfig({ ...table, [ROUTING_FILE_ENV]: path })).toThrow(reason);
  });

  it('fails the cold start naming ROUTING_CONFIG_FILE when the file is missing', () => {
    expect(() =>
      loadArchiveTransformConfig({ ...table, [ROUTING_FILE_ENV]: '/nonexistent/routing.json' }),
    ).toThrow(/ROUTING_CONFIG_FILE.*ENOENT/);
  });
});
