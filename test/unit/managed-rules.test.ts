import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../pipeline/generate/catalog.js';
import {
  compareSeverity,
  DEFAULT_SEVERITY,
  MANAGED_RULES,
  managedRule,
  SEVERITIES,
  type Severity,
  severityOf,
  severityOverridesSchema,
  severitySchema,
} from '../../src/domain/managed-rules.js';

const entries = Object.entries(MANAGED_RULES);

describe('managed rules catalog', () => {
  it('has at least 150 rules, each under its own name, with unique identifiers', () => {
    expect(entries.length).toBeGreaterThanOrEqual(150);
    for (const [key, rule] of entries) expect(rule.name).toBe(key);
    expect(new Set(entries.map(([, rule]) => rule.identifier)).size).toBe(entries.length);
  });

  it('keys are rule names and identifiers are AWS source identifiers', () => {
    for (const [key, rule] of entries) {
      expect(key).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(key).not.toMatch(/-conformance-pack-/);
      expect(rule.identifier).toMatch(/^[A-Z0-9_]+$/);
    }
  });

  it('every entry has one sentence of description, a severity and the rule page of the developer guide', () => {
    for (const [key, rule] of entries) {
      expect(rule.description, key).toMatch(/^[A-Z].*\.$/);
      expect(rule.description.length, key).toBeLessThanOrEqual(300);
      expect(SEVERITIES, key).toContain(rule.severity);
      const url = new URL(rule.remediation);
      expect(url.protocol, key).toBe('https:');
      expect(url.hostname, key).toBe('docs.aws.amazon.com');
      expect(rule.remediation).toBe(`https://docs.aws.amazon.com/config/latest/developerguide/${key}.html`);
    }
  });

  it('resource types, where listed, are CloudFormation-style type names', () => {
    const listed = entries.filter(([, rule]) => rule.resourceTypes);
    expect(listed.length).toBeGreaterThan(100);
    for (const [key, rule] of listed) {
      expect(rule.resourceTypes?.length, key).toBeGreaterThan(0);
      for (const resourceType of rule.resourceTypes ?? []) expect(resourceType).toMatch(/^AWS::\w+::\w+$/);
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(MANAGED_RULES)).toBe(true);
    const rule = managedRule('restricted-ssh')!;
    expect(Object.isFrozen(rule)).toBe(true);
    expect(Object.isFrozen(rule.resourceTypes)).toBe(true);
  });

  it('knows the well-known rules, including those whose identifier differs from their name', () => {
    expect(managedRule('s3-bucket-versioning-enabled')).toMatchObject({
      identifier: 'S3_BUCKET_VERSIONING_ENABLED',
      resourceTypes: ['AWS::S3::Bucket'],
    });
    expect(managedRule('restricted-ssh')?.identifier).toBe('INCOMING_SSH_DISABLED');
    expect(managedRule('restricted-common-ports')?.identifier).toBe('RESTRICTED_INCOMING_TRAFFIC');
    expect(managedRule('ec2-instance-managed-by-systems-manager')?.identifier).toBe(
      'EC2_INSTANCE_MANAGED_BY_SSM',
    );
    expect(managedRule('cloudtrail-enabled')?.identifier).toBe('CLOUD_TRAIL_ENABLED');
  });

  it('assigns severities by the policy of the catalog', () => {
    const severity = (name: string) => managedRule(name)?.severity;
    for (const name of [
      'iam-root-access-key-check',
      'root-account-mfa-enabled',
      's3-bucket-public-read-prohibited',
    ])
      expect(severity(name), name).toBe('CRITICAL');
    for (const name of [
      'encrypted-volumes',
      'rds-storage-encrypted',
      'cloudtrail-enabled',
      'vpc-flow-logs-enabled',
    ])
      expect(severity(name), name).toBe('HIGH');
    expect(severity('s3-bucket-versioning-enabled')).toBe('MEDIUM');
    expect(severity('ebs-optimized-instance')).toBe('LOW');
    expect(severity('ec2-volume-inuse-check')).toBe('INFORMATIONAL');
    // Every severity is used.
    expect(new Set(entries.map(([, rule]) => rule.severity))).toEqual(new Set(SEVERITIES));
  });

  it('resolves conformance-pack rule names to the base entry', () => {
    const base = managedRule('s3-bucket-versioning-enabled');
    expect(base).toBeDefined();
    expect(managedRule('s3-bucket-versioning-enabled-conformance-pack-a1b2c3d4e')).toBe(base);
    expect(severityOf('iam-root-access-key-check-conformance-pack-z9y8x7w6v')).toEqual({
      severity: 'CRITICAL',
      source: 'catalog',
    });
  });

  it('knows nothing of custom rules nor of inherited object properties', () => {
    for (const name of ['platform-workspace-owner-tagged', 'constructor', '__proto__', 'toString', ''])
      expect(managedRule(name), name).toBeUndefined();
  });

  it('has every AWS managed rule the demo organization deploys', () => {
    const managed = RULES.filter((rule) => !rule.resourceType.startsWith('Org::'));
    expect(managed.length).toBeGreaterThan(20);
    const missing = managed.map((rule) => rule.name).filter((name) => !managedRule(name));
    expect(missing).toEqual([]);
    for (const rule of managed) {
      const types = managedRule(rule.name)?.resourceTypes;
      if (types && rule.resourceType !== 'AWS::::Account')
        expect(types, rule.name).toContain(rule.resourceType);
    }
  });
});

describe('severityOf', () => {
  it('takes the override of the base name first', () => {
    const overrides = { 'restricted-ssh': 'LOW', 'platform-workspace-owner-tagged': 'HIGH' } as const;
    expect(severityOf('restricted-ssh', overrides)).toEqual({ severity: 'LOW', source: 'override' });
    expect(severityOf('restricted-ssh-conformance-pack-abc123', overrides)).toEqual({
      severity: 'LOW',
      source: 'override',
    });
    expect(severityOf('platform-workspace-owner-tagged', overrides)).toEqual({
      severity: 'HIGH',
      source: 'override',
    });
  });

  it('falls back to the catalog, then to the default', () => {
    const overrides = { 'restricted-ssh': 'LOW' } as const;
    expect(severityOf('encrypted-volumes', overrides)).toEqual({ severity: 'HIGH', source: 'catalog' });
    expect(severityOf('encrypted-volumes')).toEqual({ severity: 'HIGH', source: 'catalog' });
    expect(DEFAULT_SEVERITY).toBe('MEDIUM');
    expect(severityOf('platform-workspace-owner-tagged')).toEqual({ severity: 'MEDIUM', source: 'default' });
    expect(severityOf('my-rule-conformance-pack-q1w2e3', overrides)).toEqual({
      severity: 'MEDIUM',
      source: 'default',
    });
  });

  it('ignores inherited properties of the overrides object', () => {
    expect(severityOf('toString', {})).toEqual({ severity: 'MEDIUM', source: 'default' });
    expect(severityOf('constructor', Object.create({ constructor: 'LOW' }))).toEqual({
      severity: 'MEDIUM',
      source: 'default',
    });
  });
});

describe('severities', () => {
  it('are ordered most severe first', () => {
    expect(SEVERITIES).toEqual(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL']);
    const shuffled: Severity[] = ['LOW', 'CRITICAL', 'INFORMATIONAL', 'MEDIUM', 'HIGH', 'CRITICAL'];
    expect([...shuffled].sort(compareSeverity)).toEqual([
      'CRITICAL',
      'CRITICAL',
      'HIGH',
      'MEDIUM',
      'LOW',
      'INFORMATIONAL',
    ]);
    expect(compareSeverity('HIGH', 'LOW')).toBeLessThan(0);
    expect(compareSeverity('LOW', 'HIGH')).toBeGreaterThan(0);
    expect(compareSeverity('MEDIUM', 'MEDIUM')).toBe(0);
  });

  it('have a schema for configuration parsing', () => {
    for (const severity of SEVERITIES) expect(severitySchema.allows(severity)).toBe(true);
    for (const value of ['critical', 'UNKNOWN', '', 3, null])
      expect(severitySchema.allows(value)).toBe(false);
    expect(severityOverridesSchema.allows({ 'restricted-ssh': 'LOW' })).toBe(true);
    expect(severityOverridesSchema.allows({ 'restricted-ssh': 'low' })).toBe(false);
    const problems = severityOverridesSchema({ 'restricted-ssh': 'SEVERE' });
    expect(problems).toBeInstanceOf(type.errors);
    expect(problems instanceof type.errors ? problems.summary : '').toMatch(/restricted-ssh/);
  });
});
