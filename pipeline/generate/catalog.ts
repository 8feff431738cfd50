/**
 * What a synthetic organization is made of: AWS managed Config rules (their default names as
 * deployed, the resource types they evaluate, realistic annotations) and resource types (how their
 * ids and ARNs look, how many an account has per region).
 *
 * Rates are tuned so that a 12-account, 3-region, 90-day organization has a few tens of thousands
 * of events and a posture around 80–90 % compliant, as a typical organization does.
 *
 * Why one file: it is a data catalog (the rules, the resource types and the regions of the
 * synthetic organization), read as one table.
 */
import type { ChangedPropertyValue, ChangeType, Status } from './events.js';
import type { Random } from './random.js';

export interface ResourceTypeSpec {
  readonly type: string;
  /** Global resources (IAM) are recorded once, in the organization's home region. */
  readonly global: boolean;
  /** Resources of this type per account and region (home region for global types), before scaling. */
  readonly perRegion: readonly [min: number, max: number];
  /** A new resource id. */
  id(random: Random, account: string, region: string, index: number): string;
  arn(account: string, region: string, id: string): string;
}

export interface RuleSpec {
  /** The managed rule's default name (what `configRuleName` carries when deployed directly). */
  readonly name: string;
  readonly resourceType: string;
  /** Periodic rules evaluate on a schedule; the others on configuration changes (they follow a CI change). */
  readonly periodic: boolean;
  /** Deployed by the organization conformance pack (rule name gets `-conformance-pack-<id>`). */
  readonly pack: boolean;
  /** Probability that a resource is NON_COMPLIANT at its first evaluation. */
  readonly initialViolation: number;
  /** Mean days between a compliant resource and its next violation. */
  readonly meanDaysToViolation: number;
  /** Median hours to remediate. */
  readonly remediationHours: number;
  /** Probability that a violation is never remediated within the window. */
  readonly neverRemediated: number;
  /** Probability that a first evaluation is NOT_APPLICABLE (the rule's scope excludes the resource). */
  readonly notApplicable: number;
  readonly annotations: readonly string[];
}

const PORTS = ['22', '3389', '3306', '5432', '6379', '9200', '27017'];

const buckets = [
  'logs',
  'artifacts',
  'backups',
  'data-lake',
  'static-site',
  'audit',
  'exports',
  'ml-features',
];
const functions = [
  'ingest',
  'resize-images',
  'billing-export',
  'rotate-secrets',
  'notify',
  'etl',
  'authorizer',
];
const tables = ['orders', 'sessions', 'inventory', 'feature-flags', 'audit-log', 'carts'];

export const RESOURCE_TYPES: readonly ResourceTypeSpec[] = [
  {
    type: 'AWS::S3::Bucket',
    global: false,
    perRegion: [3, 9],
    id: (r, account, region, i) => `${r.pick(buckets)}-${account}-${region}-${i}`,
    arn: (_a, _r, id) => `arn:aws:s3:::${id}`,
  },
  {
    type: 'AWS::EC2::Volume',
    global: false,
    perRegion: [6, 22],
    id: (r) => `vol-0${r.hex(16)}`,
    arn: (a, r, id) => `arn:aws:ec2:${r}:${a}:volume/${id}`,
  },
  {
    type: 'AWS::EC2::SecurityGroup',
    global: false,
    perRegion: [5, 16],
    id: (r) => `sg-0${r.hex(16)}`,
    arn: (a, r, id) => `arn:aws:ec2:${r}:${a}:security-group/${id}`,
  },
  {
    type: 'AWS::EC2::Instance',
    global: false,
    perRegion: [4, 16],
    id: (r) => `i-0${r.hex(16)}`,
    arn: (a, r, id) => `arn:aws:ec2:${r}:${a}:instance/${id}`,
  },
  {
    type: 'AWS::EC2::VPC',
    global: false,
    perRegion: [1, 3],
    id: (r) => `vpc-0${r.hex(16)}`,
    arn: (a, r, id) => `arn:aws:ec2:${r}:${a}:vpc/${id}`,
  },
  {
    type: 'AWS::RDS::DBInstance',
    global: false,
    perRegion: [0, 3],
    id: (r) => `db-${r.upperAlnum(26)}`,
    arn: (a, r, id) => `arn:aws:rds:${r}:${a}:db:${id.toLowerCase()}`,
  },
  {
    type: 'AWS::Lambda::Function',
    global: false,
    perRegion: [2, 10],
    id: (r, _a, _r, i) => `${r.pick(functions)}-${i}`,
    arn: (a, r, id) => `arn:aws:lambda:${r}:${a}:function:${id}`,
  },
  {
    type: 'AWS::DynamoDB::Table',
    global: false,
    perRegion: [1, 5],
    id: (r, _a, _r, i) => `${r.pick(tables)}-${i}`,
    arn: (a, r, id) => `arn:aws:dynamodb:${r}:${a}:table/${id}`,
  },
  {
    type: 'AWS::KMS::Key',
    global: false,
    perRegion: [1, 4],
    id: (r) => r.uuid(),
    arn: (a, r, id) => `arn:aws:kms:${r}:${a}:key/${id}`,
  },
  {
    type: 'AWS::::Account',
    global: false,
    perRegion: [1, 1],
    id: (_r, account) => account,
    arn: (a) => `arn:aws:iam::${a}:root`,
  },
  {
    type: 'AWS::IAM::User',
    global: true,
    perRegion: [4, 18],
    id: (r) => `AIDA${r.upperAlnum(17)}`,
    arn: (a, _r, id) => `arn:aws:iam::${a}:user/${id.slice(4, 12).toLowerCase()}`,
  },
  {
    type: 'AWS::IAM::Policy',
    global: true,
    perRegion: [2, 8],
    id: (r) => `ANPA${r.upperAlnum(17)}`,
    arn: (a, _r, id) => `arn:aws:iam::${a}:policy/${id.slice(4, 12).toLowerCase()}`,
  },
  {
    // A third-party resource type recorded with PutResourceConfig, whose ResourceId may be 768
    // characters (https://docs.aws.amazon.com/config/latest/APIReference/API_PutResourceConfig.html):
    // the generator's ids over Kinesis' 256-character partition keys (257 to 768 characters).
    type: 'Org::Platform::Workspace',
    global: true,
    perRegion: [1, 1],
    id: (r, account) => {
      const length = r.int(257, 768);
      let id = `workspace/${account}`;
      while (id.length < length) id += `/${r.pick(WORKSPACE_SEGMENTS)}-${r.lowerAlnum(6)}`;
      return id.slice(0, length);
    },
    arn: (a, _r, id) => `arn:aws:cloudformation::${a}:type/resource/Org-Platform-Workspace/${id}`,
  },
];

const WORKSPACE_SEGMENTS = ['team', 'platform', 'env', 'service', 'stack', 'component', 'module'];

function rule(
  name: string,
  resourceType: string,
  options: Partial<Omit<RuleSpec, 'name' | 'resourceType' | 'annotations'>> & { annotations: string[] },
): RuleSpec {
  return {
    name,
    resourceType,
    periodic: false,
    pack: false,
    initialViolation: 0.12,
    meanDaysToViolation: 150,
    remediationHours: 30,
    neverRemediated: 0.15,
    notApplicable: 0,
    ...options,
  };
}

/** ~30 AWS managed rules under their default names, and one custom rule. */
export const RULES: readonly RuleSpec[] = [
  rule('s3-bucket-versioning-enabled', 'AWS::S3::Bucket', {
    pack: true,
    annotations: ['Versioning is not enabled.', 'Versioning is suspended.'],
  }),
  rule('s3-bucket-server-side-encryption-enabled', 'AWS::S3::Bucket', {
    pack: true,
    initialViolation: 0.05,
    annotations: ['Default encryption is not configured.'],
  }),
  rule('s3-bucket-public-read-prohibited', 'AWS::S3::Bucket', {
    initialViolation: 0.03,
    remediationHours: 4,
    neverRemediated: 0.02,
    annotations: ['The bucket policy allows public read access.', 'The bucket ACL grants READ to AllUsers.'],
  }),
  rule('s3-bucket-public-write-prohibited', 'AWS::S3::Bucket', {
    initialViolation: 0.01,
    remediationHours: 2,
    neverRemediated: 0.01,
    annotations: ['The bucket ACL grants WRITE to AllUsers.'],
  }),
  rule('s3-bucket-logging-enabled', 'AWS::S3::Bucket', {
    initialViolation: 0.3,
    remediationHours: 120,
    neverRemediated: 0.5,
    annotations: ['Server access logging is not enabled.'],
  }),
  rule('s3-bucket-ssl-requests-only', 'AWS::S3::Bucket', {
    pack: true,
    initialViolation: 0.2,
    annotations: ['The bucket policy does not deny requests with aws:SecureTransport false.'],
  }),
  rule('encrypted-volumes', 'AWS::EC2::Volume', {
    pack: true,
    initialViolation: 0.1,
    remediationHours: 72,
    annotations: ['The volume is not encrypted.'],
  }),
  rule('ec2-volume-inuse-check', 'AWS::EC2::Volume', {
    initialViolation: 0.08,
    notApplicable: 0.02,
    meanDaysToViolation: 90,
    remediationHours: 96,
    neverRemediated: 0.3,
    annotations: ['The volume is not attached to an EC2 instance.'],
  }),
  rule('restricted-ssh', 'AWS::EC2::SecurityGroup', {
    initialViolation: 0.06,
    meanDaysToViolation: 120,
    remediationHours: 8,
    neverRemediated: 0.05,
    annotations: ['The security group allows 0.0.0.0/0 on TCP port 22.', 'Inbound SSH is open to ::/0.'],
  }),
  rule('restricted-common-ports', 'AWS::EC2::SecurityGroup', {
    pack: true,
    initialViolation: 0.05,
    meanDaysToViolation: 140,
    remediationHours: 12,
    annotations: PORTS.map(
      (port) => `The security group allows unrestricted inbound traffic on port ${port}.`,
    ),
  }),
  rule('vpc-default-security-group-closed', 'AWS::EC2::SecurityGroup', {
    initialViolation: 0.04,
    notApplicable: 0.6,
    annotations: ['The default security group has inbound or outbound rules.'],
  }),
  rule('ec2-instance-no-public-ip', 'AWS::EC2::Instance', {
    initialViolation: 0.1,
    remediationHours: 48,
    annotations: ['The instance has a public IPv4 address.'],
  }),
  rule('ec2-instance-managed-by-systems-manager', 'AWS::EC2::Instance', {
    initialViolation: 0.15,
    meanDaysToViolation: 60,
    remediationHours: 24,
    annotations: ['The instance is not managed by AWS Systems Manager.'],
  }),
  rule('ec2-imdsv2-check', 'AWS::EC2::Instance', {
    pack: true,
    initialViolation: 0.25,
    remediationHours: 200,
    neverRemediated: 0.4,
    annotations: ['HttpTokens is optional: IMDSv1 is enabled.'],
  }),
  rule('ebs-optimized-instance', 'AWS::EC2::Instance', {
    initialViolation: 0.05,
    notApplicable: 0.3,
    annotations: ['EBS optimization is not enabled for this instance type.'],
  }),
  rule('rds-storage-encrypted', 'AWS::RDS::DBInstance', {
    pack: true,
    initialViolation: 0.08,
    remediationHours: 240,
    neverRemediated: 0.5,
    annotations: ['The DB instance storage is not encrypted.'],
  }),
  rule('rds-instance-public-access-check', 'AWS::RDS::DBInstance', {
    initialViolation: 0.03,
    remediationHours: 6,
    neverRemediated: 0.02,
    annotations: ['PubliclyAccessible is true.'],
  }),
  rule('rds-multi-az-support', 'AWS::RDS::DBInstance', {
    initialViolation: 0.35,
    remediationHours: 300,
    neverRemediated: 0.6,
    annotations: ['MultiAZ is false.'],
  }),
  rule('db-instance-backup-enabled', 'AWS::RDS::DBInstance', {
    initialViolation: 0.05,
    annotations: ['The backup retention period is 0 days.'],
  }),
  rule('lambda-function-public-access-prohibited', 'AWS::Lambda::Function', {
    initialViolation: 0.02,
    remediationHours: 6,
    annotations: ['The function policy allows public invocation.'],
  }),
  rule('lambda-inside-vpc', 'AWS::Lambda::Function', {
    initialViolation: 0.4,
    meanDaysToViolation: 200,
    remediationHours: 400,
    neverRemediated: 0.7,
    annotations: ['The function is not configured to run in a VPC.'],
  }),
  rule('dynamodb-pitr-enabled', 'AWS::DynamoDB::Table', {
    pack: true,
    initialViolation: 0.2,
    remediationHours: 72,
    annotations: ['Point-in-time recovery is not enabled.'],
  }),
  rule('vpc-flow-logs-enabled', 'AWS::EC2::VPC', {
    periodic: true,
    initialViolation: 0.2,
    remediationHours: 96,
    annotations: ['No flow log is configured for the VPC.'],
  }),
  rule('cmk-backing-key-rotation-enabled', 'AWS::KMS::Key', {
    periodic: true,
    initialViolation: 0.15,
    annotations: ['Automatic key rotation is not enabled.'],
  }),
  rule('iam-password-policy', 'AWS::::Account', {
    periodic: true,
    initialViolation: 0.25,
    meanDaysToViolation: 300,
    remediationHours: 48,
    annotations: [
      'The password policy does not require a minimum length of 14.',
      'The password policy does not prevent password reuse.',
    ],
  }),
  rule('root-account-mfa-enabled', 'AWS::::Account', {
    periodic: true,
    initialViolation: 0.05,
    meanDaysToViolation: 1000,
    remediationHours: 24,
    annotations: ['The root user does not have MFA enabled.'],
  }),
  rule('cloudtrail-enabled', 'AWS::::Account', {
    periodic: true,
    initialViolation: 0.03,
    meanDaysToViolation: 400,
    remediationHours: 6,
    annotations: ['No CloudTrail trail is logging in this region.'],
  }),
  rule('multi-region-cloudtrail-enabled', 'AWS::::Account', {
    periodic: true,
    pack: true,
    initialViolation: 0.08,
    meanDaysToViolation: 400,
    annotations: ['No multi-region trail records management events.'],
  }),
  rule('iam-root-access-key-check', 'AWS::::Account', {
    periodic: true,
    initialViolation: 0.02,
    meanDaysToViolation: 2000,
    remediationHours: 12,
    annotations: ['The root user has an active access key.'],
  }),
  rule('iam-user-mfa-enabled', 'AWS::IAM::User', {
    periodic: true,
    initialViolation: 0.15,
    remediationHours: 72,
    annotations: ['The IAM user does not have MFA enabled.'],
  }),
  rule('access-keys-rotated', 'AWS::IAM::User', {
    periodic: true,
    initialViolation: 0.2,
    meanDaysToViolation: 90,
    remediationHours: 120,
    annotations: ['Access key AKIA…(redacted) is older than 90 days.'],
  }),
  rule('iam-user-unused-credentials-check', 'AWS::IAM::User', {
    periodic: true,
    initialViolation: 0.1,
    meanDaysToViolation: 120,
    remediationHours: 200,
    neverRemediated: 0.4,
    annotations: ['The console password has not been used for more than 90 days.'],
  }),
  rule('iam-policy-no-statements-with-admin-access', 'AWS::IAM::Policy', {
    initialViolation: 0.1,
    remediationHours: 48,
    annotations: ['The policy allows "Action": "*" on "Resource": "*".'],
  }), // A custom rule (the organization's own Lambda) on the third-party type with long ids.
  rule('platform-workspace-owner-tagged', 'Org::Platform::Workspace', {
    initialViolation: 0.3,
    annotations: ['The workspace has no owner tag.'],
  }),
];

/** Regions in the order `--regions N` takes them; the first is the home region (global resources). */
export const REGIONS = [
  'us-east-1',
  'eu-west-1',
  'ap-southeast-2',
  'us-west-2',
  'eu-central-1',
  'ap-northeast-1',
  'sa-east-1',
  'ca-central-1',
] as const;

/** When a storm outnumbers the conformance-pack pairs, extra security groups fill it, under this rule. */
export const STORM_FILL_RULE = 'restricted-common-ports';

export function resourceTypeSpec(type: string): ResourceTypeSpec {
  const spec = RESOURCE_TYPES.find((candidate) => candidate.type === type);
  if (!spec)
    throw new RangeError(`unknown resource type "${type}"; known: ${RESOURCE_TYPES.map((t) => t.type)}`);
  return spec;
}

/**
 * The configuration property a change-triggered rule looks at, with a value it finds compliant and
 * one it does not: what the item change before an evaluation carries in `configurationItemDiff`
 * (the property paths AWS Config uses for these types). Rules left out change `Configuration`.
 */
export interface RuleProperty {
  readonly path: string;
  readonly compliant: unknown;
  readonly nonCompliant: unknown;
}

const SSH_OPEN = { ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipv4Ranges: [{ cidrIp: '0.0.0.0/0' }] };
const SSH_OFFICE = { ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipv4Ranges: [{ cidrIp: '10.20.0.0/16' }] };

export const RULE_PROPERTIES: Readonly<Record<string, RuleProperty>> = {
  's3-bucket-versioning-enabled': {
    path: 'SupplementaryConfiguration.BucketVersioningConfiguration.Status',
    compliant: 'Enabled',
    nonCompliant: 'Suspended',
  },
  's3-bucket-server-side-encryption-enabled': {
    path: 'SupplementaryConfiguration.ServerSideEncryptionConfiguration',
    compliant: { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }] },
    nonCompliant: null,
  },
  's3-bucket-public-read-prohibited': {
    path: 'SupplementaryConfiguration.AccessControlList',
    compliant: { grantList: [] },
    nonCompliant: { grantList: [{ grantee: 'AllUsers', permission: 'Read' }] },
  },
  's3-bucket-public-write-prohibited': {
    path: 'SupplementaryConfiguration.AccessControlList',
    compliant: { grantList: [] },
    nonCompliant: { grantList: [{ grantee: 'AllUsers', permission: 'Write' }] },
  },
  's3-bucket-logging-enabled': {
    path: 'SupplementaryConfiguration.BucketLoggingConfiguration.DestinationBucketName',
    compliant: 'access-logs',
    nonCompliant: null,
  },
  's3-bucket-ssl-requests-only': {
    path: 'SupplementaryConfiguration.BucketPolicy.PolicyText',
    compliant: '{"Statement":[{"Effect":"Deny","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}',
    nonCompliant: '{"Statement":[]}',
  },
  'encrypted-volumes': { path: 'Configuration.Encrypted', compliant: true, nonCompliant: false },
  'ec2-volume-inuse-check': {
    path: 'Configuration.Attachments',
    compliant: [{ state: 'attached' }],
    nonCompliant: [],
  },
  'restricted-ssh': { path: 'Configuration.IpPermissions.0', compliant: SSH_OFFICE, nonCompliant: SSH_OPEN },
  'restricted-common-ports': {
    path: 'Configuration.IpPermissions.1',
    compliant: null,
    nonCompliant: { ipProtocol: 'tcp', fromPort: 3389, toPort: 3389, ipv4Ranges: [{ cidrIp: '0.0.0.0/0' }] },
  },
  'vpc-default-security-group-closed': {
    path: 'Configuration.IpPermissionsEgress.0',
    compliant: null,
    nonCompliant: { ipProtocol: '-1', ipv4Ranges: [{ cidrIp: '0.0.0.0/0' }] },
  },
  'ec2-instance-no-public-ip': {
    path: 'Configuration.PublicIpAddress',
    compliant: null,
    nonCompliant: '203.0.113.24',
  },
  'ec2-imdsv2-check': {
    path: 'Configuration.MetadataOptions.HttpTokens',
    compliant: 'required',
    nonCompliant: 'optional',
  },
  'ebs-optimized-instance': { path: 'Configuration.EbsOptimized', compliant: true, nonCompliant: false },
  'rds-storage-encrypted': { path: 'Configuration.StorageEncrypted', compliant: true, nonCompliant: false },
  'rds-instance-public-access-check': {
    path: 'Configuration.PubliclyAccessible',
    compliant: false,
    nonCompliant: true,
  },
  'rds-multi-az-support': { path: 'Configuration.MultiAZ', compliant: true, nonCompliant: false },
  'db-instance-backup-enabled': {
    path: 'Configuration.BackupRetentionPeriod',
    compliant: 7,
    nonCompliant: 0,
  },
  'lambda-function-public-access-prohibited': {
    path: 'SupplementaryConfiguration.Policy',
    compliant: '{"Statement":[{"Principal":{"Service":"events.amazonaws.com"}}]}',
    nonCompliant: '{"Statement":[{"Principal":"*"}]}',
  },
  'lambda-inside-vpc': {
    path: 'Configuration.VpcConfig.SubnetIds',
    compliant: ['subnet-0a1b2c3d'],
    nonCompliant: [],
  },
  'dynamodb-pitr-enabled': {
    path: 'SupplementaryConfiguration.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus',
    compliant: 'ENABLED',
    nonCompliant: 'DISABLED',
  },
  'vpc-flow-logs-enabled': {
    path: 'Relationships.0',
    compliant: { resourceType: 'AWS::EC2::FlowLog' },
    nonCompliant: null,
  },
  'cmk-backing-key-rotation-enabled': {
    path: 'SupplementaryConfiguration.KeyRotationStatus',
    compliant: true,
    nonCompliant: false,
  },
  'iam-user-mfa-enabled': {
    path: 'Configuration.MfaDevices',
    compliant: [{ enableDate: '2026-01-05' }],
    nonCompliant: [],
  },
  'access-keys-rotated': {
    path: 'Configuration.AccessKeys.0.Status',
    compliant: 'Inactive',
    nonCompliant: 'Active',
  },
  'iam-policy-no-statements-with-admin-access': {
    path: 'Configuration.PolicyVersionList.0.Document',
    compliant: '{"Statement":[{"Action":"s3:GetObject","Resource":"*"}]}',
    nonCompliant: '{"Statement":[{"Action":"*","Resource":"*"}]}',
  },
};

/** Teams that own resources (the `team` tag), as in the demo's accounts map. */
export const RESOURCE_TEAMS = [
  'payments',
  'identity',
  'data-platform',
  'web',
  'mobile',
  'analytics',
] as const;

/**
 * The change AWS Config reports before a change-triggered evaluation of `ruleName` to `status`: the
 * rule's property moving to the value the status implies (RULE_PROPERTIES; `Configuration` for the
 * others). A null side is a property created or deleted.
 */
export function ruleChange(ruleName: string, status: Status): Record<string, ChangedPropertyValue> {
  const property = RULE_PROPERTIES[ruleName] ?? {
    path: 'Configuration',
    compliant: { compliant: true },
    nonCompliant: { compliant: false },
  };
  const [previousValue, updatedValue] =
    status === 'NON_COMPLIANT'
      ? [property.compliant, property.nonCompliant]
      : [property.nonCompliant, property.compliant];
  const changeType: ChangeType =
    previousValue === null ? 'CREATE' : updatedValue === null ? 'DELETE' : 'UPDATE';
  return { [property.path]: { previousValue, updatedValue, changeType } };
}
