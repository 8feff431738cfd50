import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import { ruleConsoleUrl } from '../../src/adapters/slack/console-links.js';
import { regionParam, ruleParam } from '../../src/api/param-rules.js';
import { isAccountId, isRegionName, isRuleName } from '../../src/domain/aws-names.js';
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

/** Whether ingestion accepts an evaluation of the rule name (the event schema). */
function ingestionAcceptsRule(name: string): boolean {
  const event = fixture<any>('compliance-change', 'first-evaluation');
  event.detail.configRuleName = name;
  event.detail.newEvaluationResult.evaluationResultIdentifier.evaluationResultQualifier.configRuleName = name;
  return parseConfigEvent(JSON.stringify(event)).status === 'accepted';
}

describe('one rule for Config rule names', () => {
  it.each(['s3-bucket-versioning-enabled', 'x'.repeat(256), 'rule with spaces', 'ünïcode-rule'])(
    'accepts %j everywhere',
    (name) => {
      expect(isRuleName(name)).toBe(true);
      expect(ingestionAcceptsRule(name)).toBe(true);
      expect(ruleParam(name)).toBe(name);
      expect(ruleConsoleUrl('eu-west-1', name)).toContain('configRuleName=');
    },
  );

  it.each(['', ' ', 'x'.repeat(257), 'bad\nrule', 'bad\u0000rule', 'tab\trule'])(
    'refuses %j everywhere: the API never accepts what ingestion rejects, nor the reverse',
    (name) => {
      expect(isRuleName(name)).toBe(false);
      expect(ingestionAcceptsRule(name)).toBe(false);
      expect(ruleParam(name) instanceof type.errors).toBe(true);
      expect(ruleConsoleUrl('eu-west-1', name)).toBeNull();
    },
  );
});
