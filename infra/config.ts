/**
 * The deployment configuration of config-monitor: read from CDK context (`configMonitor` in
 * cdk.json, or `-c configFile=path.json`), completed with defaults and validated at synth time, so a
 * wrong account id or schedule fails `cdk synth` with a message naming the setting, not a failed
 * CloudFormation deployment an hour later.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type } from 'arktype';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import {
  DEFAULT_DESTINATION,
  keyProblems,
  routingProblems,
  routingSectionSchema,
} from '../src/domain/routing-config.js';
import { ConfigError } from './errors.js';

/** CDK context key holding the configuration object. */
export const CONFIG_CONTEXT_KEY = 'configMonitor';
/** CDK context key naming a JSON file that replaces the `configMonitor` context object. */
export const CONFIG_FILE_CONTEXT_KEY = 'configFile';

/** Retention values CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const KNOWN_REGIONS = new Set(RegionInfo.regions.map((r) => r.name));

const accountId = type(/^\d{12}$/).describe('a 12-digit AWS account id');
const region = type('string')
  .narrow((name, ctx) => KNOWN_REGIONS.has(name) || ctx.mustBe('a known AWS region name such as eu-west-1'))
  .describe('a known AWS region name such as eu-west-1');
const organizationId = type(/^o-[a-z0-9]{10,32}$/).describe('an AWS Organizations id such as o-a1b2c3d4e5');
const organizationalUnitId = type(/^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/).describe(
  'an organizational unit id such as ou-ab12-cd34ef56 (or a root id such as r-ab12)',
);
// Secrets Manager name characters; the name must not end like a generated suffix (-XXXXXX).
const secretName = type(/^[A-Za-z0-9/_+=.@-]{1,512}$/).describe(
  'a Secrets Manager secret name (letters, digits and /_+=.@-)',
);

/**
 * An EventBridge Scheduler expression: `cron(min hour day-of-month month day-of-week year)` with
 * exactly one of the two day fields set to `?`, or `rate(<n> <unit>)`.
 */
export function isScheduleExpression(expression: string): boolean {
  const rate = /^rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\)$/;
  if (rate.test(expression)) return true;
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(expression);
  if (!cron) return false;
  const dayOfMonth = cron[3];
  const dayOfWeek = cron[5];
  return (dayOfMonth === '?') !== (dayOfWeek === '?');
}

const scheduleExpression = type('string')
  .narrow(
    (s, ctx) =>
      isScheduleExpression(s) ||
      ctx.mustBe('an EventBridge Scheduler expression such as cron(0 7 * * ? *) or rate(1 day)'),
  )
  .describe('an EventBridge Scheduler expression such as cron(0 7 * * ? *) or rate(1 day)');

const timeZone = type('string')
  .narrow((zone, ctx) => isTimeZone(zone) || ctx.mustBe('an IANA time zone such as UTC or Europe/Paris'))
  .describe('an IANA time zone such as UTC or Europe/Paris');

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const logRetention = type('number')
  .narrow(
    (days, ctx) =>
      (LOG_RETENTION_DAYS as readonly number[]).includes(days) ||
      ctx.mustBe(`one of the CloudWatch Logs retention values (${LOG_RETENTION_DAYS.join(', ')})`),
  )
  .describe('a CloudWatch Logs retention in days');

const httpsUrl = type(/^https:\/\/\S+$/).describe('an https URL');
const dnsName = type(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/).describe(
  'a lowercase DNS name such as monitor.example.com',
);
// CloudFront takes viewer certificates from ACM in us-east-1 only.
const cloudFrontCertificateArn = type(
  /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
).describe('an ACM certificate ARN in us-east-1 (CloudFront only uses certificates of us-east-1)');
const identityProviderName = type(/^[A-Za-z0-9][A-Za-z0-9.-]{1,30}[A-Za-z0-9]$/).describe(
  'an identity provider name of 3-32 letters, digits, . or - (shown on the sign-in page)',
);
const cognitoDomainPrefix = type(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/).describe(
  'a Cognito domain prefix (1-63 lowercase letters, digits or -, not starting or ending with -)',
);

/** Sign-in through the organization's identity provider, in addition to the pool's own users. */
const federation = type({
  type: "'SAML'",
  /** URL of the IdP's SAML metadata document. */
  metadataUrl: httpsUrl,
  name: identityProviderName,
  '+': 'reject',
}).or({
  type: "'OIDC'",
  /** The IdP's issuer URL (its `/.well-known/openid-configuration` is read by Cognito). */
  issuer: httpsUrl,
  clientId: type('string > 0').describe('the client id registered at the identity provider'),
  /** Secrets Manager secret whose string is the OIDC client secret. */
  clientSecretName: secretName,
  name: identityProviderName,
  '+': 'reject',
});

export const configSchema = type({
  /** Short deployment name; part of every resource name (`config-monitor-<stage>-…`). */
  stage: type(/^[a-z][a-z0-9]{1,11}$/).describe('2-12 lowercase letters or digits, starting with a letter'),
  /** Account and region of the master stack (the central bus, stream, tables, archive, API). */
  master: { account: accountId, region },
  /** The organization whose accounts may put events on the master bus (`aws:PrincipalOrgID`). */
  organizationId,
  /** Optional allow-list: only these accounts of the organization may put events. */
  'allowedAccounts?': accountId.array().atLeastLength(1),
  /** Agent stacks this app synthesizes, one per account and region (without a StackSet). */
  agents: type({ account: accountId, regions: region.array().atLeastLength(1), '+': 'reject' }).array(),
  /** Optional service-managed StackSet of the agent template, deployed from the master stack. */
  'stackSet?': {
    organizationalUnitIds: organizationalUnitId.array().atLeastLength(1),
    regions: region.array().atLeastLength(1),
    callAs: "'SELF' | 'DELEGATED_ADMIN'",
    '+': 'reject',
  },
  slack: {
    /** Secret whose string is the incoming-webhook URL of the alerts channel. */
    alertsWebhookSecretName: secretName,
    /** Secret for the daily report channel; the alerts secret when equal. */
    reportWebhookSecretName: secretName,
    /** Violations per minute past which the notifier posts digests instead of single alerts. */
    digestThreshold: '1 <= number.integer <= 1000',
    '+': 'reject',
  },
  report: { schedule: scheduleExpression, timeZone, '+': 'reject' },
  /** The sync (reconciliation) of AWS Config's current compliance from an organization aggregator. */
  reconcile: {
    /** When the sync runs; daily by default, before the report. */
    schedule: scheduleExpression,
    timeZone,
    /** An existing aggregator of the master account and region; absent: the stack creates one. */
    'aggregatorName?': type(/^[\w-]{1,256}$/).describe(
      'an AWS Config aggregator name (1-256 letters, digits, _ or -)',
    ),
    /** Start a sync when the stack is created: the organization's baseline. */
    runAfterDeploy: 'boolean',
    '+': 'reject',
  },
  retention: {
    /** Days the Parquet archive is kept in S3 (also bounds the Athena partition projection). */
    archiveDays: '30 <= number.integer <= 3650',
    /** Days Athena query results are kept. */
    athenaResultsDays: '1 <= number.integer <= 365',
    /** Days Lambda, API Gateway and Firehose logs are kept. */
    logDays: logRetention,
    /** Hours the Kinesis stream keeps records: the window to redrive failed batches. */
    streamHours: '24 <= number.integer <= 8760',
    '+': 'reject',
  },
  athena: {
    /** Bytes one query may scan before Athena cancels it (minimum 10 MB). */
    bytesScannedCutoffPerQuery: 'number.integer >= 10000000',
    '+': 'reject',
  },
  api: {
    throttlingRateLimit: '1 <= number <= 10000',
    throttlingBurstLimit: '1 <= number.integer <= 5000',
    '+': 'reject',
  },
  /** Optional e-mail subscribed to the alarm topic. */
  'alarmEmail?': type(/^[^@\s]+@[^@\s]+\.[^@\s]+$/).describe('an e-mail address'),
  /** Optional link put in Slack messages; the hosted dashboard's URL when not set. */
  'dashboardUrl?': httpsUrl,
  /** The dashboard in AWS: S3 + CloudFront, sign-in through a Cognito user pool (docs/deploy.md). */
  dashboard: {
    /** Host the dashboard (false: the API stays IAM-only and nothing of the dashboard is deployed). */
    enabled: 'boolean',
    /** MFA of the pool's own users (TOTP); federated users follow their identity provider. */
    mfa: "'OPTIONAL' | 'REQUIRED'",
    /** Cognito threat protection (Plus feature plan, billed per active user); off: Essentials. */
    threatProtection: 'boolean',
    /** Hosted UI prefix (`<prefix>.auth.<region>.amazoncognito.com`); globally unique per region. */
    'domainPrefix?': cognitoDomainPrefix,
    /** Serve the dashboard on your own name; its DNS record (CNAME/alias to CloudFront) is yours to create. */
    'customDomain?': { domainName: dnsName, certificateArn: cloudFrontCertificateArn, '+': 'reject' },
    'federation?': federation,
    '+': 'reject',
  },
  /**
   * Where alerts go (src/domain/routing-config.ts, the same definition the embedded stack reads):
   * destinations (each webhook's URL or bot's token in a Secrets Manager secret), ordered routes, a default,
   * severity overrides, the accounts map. Absent: every alert to slack.alertsWebhookSecretName.
   */
  'routing?': routingSectionSchema,
  /** Active X-Ray tracing on Lambda functions and the API stage. */
  tracing: 'boolean',
  /** Keep buckets, tables and secrets when the stack is deleted (set false for throw-away stages). */
  retainData: 'boolean',
  '+': 'reject',
});

/** The validated configuration (every default applied). */
export type MonitorConfig = typeof configSchema.infer;

/** Defaults applied before validation; every other setting is required. */
export const CONFIG_DEFAULTS = {
  agents: [],
  slack: { digestThreshold: 10 },
  report: { schedule: 'cron(0 7 * * ? *)', timeZone: 'UTC' },
  reconcile: { schedule: 'cron(0 5 * * ? *)', timeZone: 'UTC', runAfterDeploy: true },
  retention: { archiveDays: 730, athenaResultsDays: 30, logDays: 90, streamHours: 168 },
  athena: { bytesScannedCutoffPerQuery: 10 * 1024 ** 3 },
  api: { throttlingRateLimit: 50, throttlingBurstLimit: 100 },
  dashboard: { enabled: true, mfa: 'REQUIRED', threatProtection: false },
  tracing: true,
  retainData: true,
} as const;

type Json = Record<string, unknown>;

/** What to write for each setting that has no default, for "is required" messages. */
const REQUIRED_HINTS: Readonly<Record<string, string>> = {
  stage: 'a short deployment name such as prod (2-12 lowercase letters or digits)',
  master: 'the account and region of the master stack, { "account": "123456789012", "region": "eu-west-1" }',
  'master.account': 'the 12-digit AWS account id of the master stack',
  'master.region': 'the AWS region of the master stack, such as eu-west-1',
  organizationId: 'the AWS Organizations id, such as o-a1b2c3d4e5',
  slack: 'the Slack webhook secret names, { "alertsWebhookSecretName": "config-monitor/prod/slack-alerts" }',
  'slack.alertsWebhookSecretName': 'the Secrets Manager name of the Slack alerts webhook URL',
  'slack.reportWebhookSecretName':
    'the Secrets Manager name of the Slack report webhook URL (defaults to the alerts one)',
  'dashboard.customDomain.domainName': 'the DNS name the dashboard is served on, such as monitor.example.com',
  'dashboard.customDomain.certificateArn':
    'the ARN of an ACM certificate in us-east-1 that covers the domain name',
  'dashboard.federation.type': '"SAML" or "OIDC"',
  'dashboard.federation.name': 'the identity provider name shown on the sign-in page, such as Corp',
  'dashboard.federation.metadataUrl': "the https URL of the identity provider's SAML metadata document",
  'dashboard.federation.issuer': "the identity provider's OIDC issuer URL (https)",
  'dashboard.federation.clientId': 'the client id of the app registered at the identity provider',
  'dashboard.federation.clientSecretName': 'the Secrets Manager name of the OIDC client secret',
};

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Defaults under the given object; nested objects merge one level deep, arrays replace. */
function withDefaults(raw: Json): Json {
  const merged: Json = { ...raw };
  for (const [key, fallback] of Object.entries(CONFIG_DEFAULTS)) {
    const given = raw[key];
    if (given === undefined) merged[key] = isObject(fallback) ? { ...fallback } : fallback;
    else if (isObject(fallback) && isObject(given)) merged[key] = { ...fallback, ...given };
  }
  const slack = merged.slack;
  if (
    isObject(slack) &&
    slack.reportWebhookSecretName === undefined &&
    slack.alertsWebhookSecretName !== undefined
  ) {
    merged.slack = { ...slack, reportWebhookSecretName: slack.alertsWebhookSecretName };
  }
  const stackSet = merged.stackSet;
  if (isObject(stackSet) && stackSet.callAs === undefined) merged.stackSet = { ...stackSet, callAs: 'SELF' };
  return merged;
}

/** Rules that span several settings, which the schema cannot express. */
function crossFieldProblems(config: MonitorConfig): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const agent of config.agents) {
    for (const r of agent.regions) {
      const key = `${agent.account}/${r}`;
      if (seen.has(key))
        problems.push(`agents lists ${key} twice; each account and region gets one agent stack`);
      seen.add(key);
    }
  }
  if (config.allowedAccounts && config.agents.some((a) => !config.allowedAccounts?.includes(a.account))) {
    const outside = config.agents
      .filter((a) => !config.allowedAccounts?.includes(a.account))
      .map((a) => a.account);
    problems.push(
      `agents ${outside.join(', ')} are not in allowedAccounts; the master bus would refuse their events`,
    );
  }
  if (config.allowedAccounts && config.stackSet) {
    problems.push(
      `allowedAccounts and stackSet cannot be set together: the StackSet deploys an agent to every account of ${config.stackSet.organizationalUnitIds.join(', ')}, and EventBridge refuses the rule target of an agent whose account is not in allowedAccounts, so its stack instance fails; remove allowedAccounts, or drop stackSet and list the agents`,
    );
  }
  if (config.routing) {
    problems.push(...routingProblems(config.routing));
    const defaultDestination = config.routing.defaultDestination ?? DEFAULT_DESTINATION;
    for (const [name, destination] of Object.entries(config.routing.destinations ?? {})) {
      if (destination.type === 'bot' && destination.secret !== undefined) {
        const slack = config.slack;
        if (
          destination.secret === slack.alertsWebhookSecretName ||
          destination.secret === slack.reportWebhookSecretName
        ) {
          problems.push(
            `routing.destinations.${name}.secret must differ from slack.alertsWebhookSecretName and slack.reportWebhookSecretName (was ${JSON.stringify(destination.secret)}): those hold webhook URLs, a bot destination's secret its bot token`,
          );
        }
      }
      if (destination.secret !== undefined) continue;
      if (destination.type === 'bot') {
        problems.push(
          `routing.destinations.${name}.secret is required in AWS: the Secrets Manager name of its bot token (xoxb-…; slack.alertsWebhookSecretName holds a webhook URL, so a bot destination has no fallback)`,
        );
      } else if (name !== defaultDestination) {
        problems.push(
          `routing.destinations.${name}.secret is required in AWS: the Secrets Manager name of its webhook URL (only the default destination falls back to slack.alertsWebhookSecretName)`,
        );
      }
    }
  }
  const prefix = dashboardDomainPrefix(config);
  const reserved = ['aws', 'amazon', 'cognito'].filter((word) => prefix.includes(word));
  if (config.dashboard.enabled && reserved.length > 0) {
    problems.push(
      `dashboard.domainPrefix ${prefix}${config.dashboard.domainPrefix ? '' : ' (derived from the stage and account)'} contains ${reserved.join(', ')}, which Cognito refuses in a domain prefix; set dashboard.domainPrefix to another value`,
    );
  }
  if (!config.dashboard.enabled) {
    const unused = (['domainPrefix', 'customDomain', 'federation'] as const).filter(
      (key) => config.dashboard[key] !== undefined,
    );
    if (unused.length > 0) {
      problems.push(
        `dashboard.${unused.join(', dashboard.')} ${unused.length > 1 ? 'are' : 'is'} set but dashboard.enabled is false, so nothing uses ${unused.length > 1 ? 'them' : 'it'}; set dashboard.enabled to true or remove ${unused.length > 1 ? 'them' : 'it'}`,
      );
    }
  }
  return problems;
}

/**
 * Validates a raw configuration object (defaults applied first).
 * Throws {@link ConfigError} listing every problem, each naming the setting and the allowed values.
 */
export function parseConfig(raw: unknown, source = 'configuration'): MonitorConfig {
  if (!isObject(raw)) {
    throw new ConfigError(source, [
      `expected an object with stage, master, organizationId, slack… (was ${raw === undefined ? 'missing' : JSON.stringify(raw)})`,
    ]);
  }
  const out = configSchema(withDefaults(raw));
  if (out instanceof type.errors) {
    throw new ConfigError(source, [
      ...[...out].map((e) =>
        e.code === 'required'
          ? `${e.propString} is required: ${REQUIRED_HINTS[e.propString] ?? e.expected}`
          : e.message,
      ),
      ...keyProblems(raw.routing),
    ]);
  }
  const problems = crossFieldProblems(out);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return out;
}

/** Minimal view of a CDK app/construct node, so tests can pass a plain context map. */
export interface ContextReader {
  tryGetContext(key: string): unknown;
}

/**
 * Reads the configuration from CDK context: the JSON file named by `-c configFile=…` when given
 * (relative to the working directory), else the `configMonitor` context object (cdk.json).
 */
export function loadConfig(context: ContextReader): MonitorConfig {
  const file = context.tryGetContext(CONFIG_FILE_CONTEXT_KEY);
  if (file !== undefined) {
    if (typeof file !== 'string' || file.length === 0) {
      throw new ConfigError('context configFile', [
        `configFile must be a path to a JSON file (was ${String(file)})`,
      ]);
    }
    const path = resolve(file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(path, [`cannot read the file: ${(err as Error).message}`]);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(path, [`not valid JSON: ${(err as Error).message}`]);
    }
    return parseConfig(raw, path);
  }
  return parseConfig(context.tryGetContext(CONFIG_CONTEXT_KEY), `context ${CONFIG_CONTEXT_KEY} (cdk.json)`);
}

/** Resource-name prefix of a stage; also the DynamoDB table prefix (`<prefix>-events`, …). */
export function resourcePrefix(config: Pick<MonitorConfig, 'stage'>): string {
  return `config-monitor-${config.stage}`;
}

/**
 * Prefix of the dashboard's Cognito hosted UI domain: `dashboard.domainPrefix`, else
 * `config-monitor-<stage>-<account>` (prefixes are unique across all accounts of a region).
 */
export function dashboardDomainPrefix(
  config: Pick<MonitorConfig, 'stage' | 'master'> & {
    dashboard: Pick<MonitorConfig['dashboard'], 'domainPrefix'>;
  },
): string {
  return config.dashboard.domainPrefix ?? `${resourcePrefix(config)}-${config.master.account}`;
}

/** Name of the organization aggregator the master stack creates when none is named. */
export function aggregatorName(config: Pick<MonitorConfig, 'stage' | 'reconcile'>): string {
  return config.reconcile.aggregatorName ?? `${resourcePrefix(config)}-organization`;
}

/** Name of the master event bus; agents address it by ARN, so it is fixed by the stage. */
export function masterBusName(config: Pick<MonitorConfig, 'stage'>): string {
  return `${resourcePrefix(config)}-bus`;
}

/** ARN of the master event bus, known before the master stack is deployed. */
export function masterBusArn(config: Pick<MonitorConfig, 'stage' | 'master'>): string {
  const partition = RegionInfo.get(config.master.region).partition ?? 'aws';
  return `arn:${partition}:events:${config.master.region}:${config.master.account}:event-bus/${masterBusName(config)}`;
}
