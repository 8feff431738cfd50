import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import { regionParam } from '../../src/api/param-rules.js';
import { isAccountId, isRegionName } from '../../src/domain/aws-names.js';
import { parseConfigEvent } from '../../src/domain/config-event.js';
import { configConsoleUrl } from '../../src/use-cases/daily-report.js';
import { fixture } from '../helpers/fixtures.js';

const REAL = [
  'us-east-1',
  'eu-west-3',
  'ap-southeast-5',
  'me-central-1',
  'il-central-1',
  'mx-central-1',
  'cn-northwest-1',
  'us-gov-west-1',
  'us-iso-east-1',
  'us-isob-east-1',
  'eusc-de-east-1',
];
const NOT = [
  '',
  'us-east',
  'US-EAST-1',
  'us_east_1',
  'useast1',
  'us-east-123',
  'u-east-1',
  'us-east-1 ',
  'us--east-1',
];

/** Whether ingestion accepts an event of the region (the event schema). */
function ingestionAccepts(region: string): boolean {
  const event = fixture<any>('compliance-change', 'first-evaluation');
  event.region = region;
  event.detail.awsRegion = region;
  return parseConfigEvent(JSON.stringify(event)).status === 'accepted';
}

describe('one rule for region names', () => {
  it.each(REAL)('accepts %s everywhere', (region) => {
    expect(isRegionName(region)).toBe(true);
    expect(ingestionAccepts(region)).toBe(true);
    expect(regionParam(region)).toBe(region);
    expect(configConsoleUrl(region)).toContain(region);
  });

  it.each(NOT)('refuses %j everywhere: the API never accepts what ingestion rejects', (region) => {
    expect(isRegionName(region)).toBe(false);
    expect(ingestionAccepts(region)).toBe(false);
    expect(regionParam(region) instanceof type.errors).toBe(true);
    expect(configConsoleUrl(region)).toBeNull();
  });
});

describe('account ids', () => {
  it('are exactly 12 ASCII digits', () => {
    expect(isAccountId('123456789012')).toBe(true);
    for (const bad of ['12345678901', '1234567890123', '１２３４５６７８９０１２', '12345678901a']) {
      expect(isAccountId(bad)).toBe(false);
    }
  });
});
