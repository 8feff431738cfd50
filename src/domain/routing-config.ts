/**
 * The routing section of the configuration: where alerts go (destinations, ordered routes, a
 * default), rule severities that differ from the catalog, and what the organization's accounts are
 * called and who owns them. One definition for both places it is read: the CDK app validates it at
 * synth (`configMonitor.routing` in cdk.json, infra/config.ts) and the embedded stack reads it from
 * the local configuration file (`config-monitor up|ingest --config FILE`, pipeline/embedded/).
 * Pure: no file or environment access here.
 *
 * Every problem is reported with its path (`routing.routes[2].destination …`), all at once.
 */
import { type } from 'arktype';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from './aws-names.js';
import { type Severity, severitySchema } from './managed-rules.js';

/**
 * A destination name: it names the outbox sub-folder locally and the route gate in the outbox
 * table, so it is a plain path segment.
 */
export const DESTINATION_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** The destination every alert goes to when there is no routing section. */
export const DEFAULT_DESTINATION = 'default';
/** The local variable holding the default destination's webhook URL, as before routing existed. */
export const DEFAULT_WEBHOOK_ENV = 'SLACK_WEBHOOK_URL';
/**
 * The local variable holding a bot destination's token when it names none: one Slack app's bot
 * token serves every channel it is invited to, so bot destinations may share it.
 */
export const DEFAULT_BOT_TOKEN_ENV = 'SLACK_BOT_TOKEN';
/**
 * A Slack conversation id: `C` (public channels, and private ones created since 2021), `G` (older
 * private channels and group DMs) or `D` (direct messages), then upper-case letters and digits — 8
 * when Slack began, 10 and more today. Slack asks apps to address and store channels by id
 * (https://api.slack.com/changelog/2017-09-the-one-about-usernames, the `channel` argument of
 * https://docs.slack.dev/reference/methods/chat.postMessage, the id prefixes in
 * https://api.slack.com/docs/conversations-api); a name (`#alerts`) is refused here because a
 * thread is kept by the channel id chat.postMessage answers with, and a renamed channel keeps its id.
 */
export const SLACK_CHANNEL_ID_PATTERN = /^[CGD][A-Z0-9]{8,20}$/;

const destinationName = type(DESTINATION_NAME_PATTERN).describe(
  'a destination name of 1-64 lowercase letters, digits, _ or - (it names the outbox sub-folder)',
);
const accountId = type(ACCOUNT_ID_PATTERN).describe('a 12-digit AWS account id');
const regionName = type(REGION_PATTERN).describe('an AWS region name such as eu-west-1');
/** An OU id, or a root id (a route on the root matches every account). */
export const OU_ID_PATTERN = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;
const ouId = type(OU_ID_PATTERN).describe(
  'an organizational unit id such as ou-ab12-cd34ef56 (or a root id)',
);
const secretName = type(/^[A-Za-z0-9/_+=.@-]{1,512}$/).describe(
  'a Secrets Manager secret name (letters, digits and /_+=.@-)',
);
const envName = type(/^[A-Z_][A-Z0-9_]{0,127}$/).describe(
  'an environment variable name such as SLACK_WEBHOOK_URL_SECURITY',
);
/** A glob over base rule names or resource types: `*` any run of characters, `?` one. */
const pattern = type(/^[A-Za-z0-9_.:/*?-]{1,256}$/).describe(
  'a name pattern of letters, digits and _.:/- with * and ? wildcards (such as s3-*)',
);
const tagKey = /^.{1,128}$/su;

/**
 * A Slack incoming webhook. In AWS its URL is the string of the Secrets Manager secret `secret`
 * (the default destination falls back to `slack.alertsWebhookSecretName`); locally it is the value
 * of the environment variable `env` (the default destination's is SLACK_WEBHOOK_URL), and without
 * one its messages are written to `<data-dir>/outbox/<destination>/`.
 */
const webhookDestination = type({
  type: "'webhook'",
  'secret?': secretName,
  'env?': envName,
  '+': 'reject',
});

/**
 * A Slack channel through a bot token (`chat:write`, docs/slack.md "Bot mode"): messages are posted
 * with chat.postMessage, so a violation's resolution can update the original message and reply in
 * its thread. In AWS the token is the string of the Secrets Manager secret `secret` (required there:
 * there is no fallback, the alerts secret holds a webhook URL); locally it is the value of the
 * environment variable `env` (default SLACK_BOT_TOKEN), and without one its messages are written to
 * `<data-dir>/outbox/<destination>/`. Several bot destinations may share one token (one secret, one
 * variable): a bot posts to every channel it was invited to.
 */
const botDestination = type({
  type: "'bot'",
  channel: type(SLACK_CHANNEL_ID_PATTERN).describe(
    "a Slack channel id such as C0123456789 (C, G or D, then 8-20 upper-case letters or digits; in Slack: the channel's details, at the bottom of About)",
  ),
  'secret?': secretName,
  'env?': envName,
  '+': 'reject',
});

/** A destination, discriminated by `type`: a `webhook` or a `bot` channel. */
export const destinationSchema = webhookDestination.or(botDestination);
export type Destination = typeof destinationSchema.infer;
export type BotDestination = Extract<Destination, { type: 'bot' }>;

/**
 * The local variable a destination's credential is read from: its `env`, else the default's
 * (SLACK_WEBHOOK_URL for the default destination's webhook, SLACK_BOT_TOKEN for any bot).
 */
export function destinationEnv(
  name: string,
  destination: Destination,
  defaultDestination: string,
): string | undefined {
  if (destination.env !== undefined) return destination.env;
  if (destination.type === 'bot') return DEFAULT_BOT_TOKEN_ENV;
  return name === defaultDestination ? DEFAULT_WEBHOOK_ENV : undefined;
}

const routeSchema = type({
  /** Shown in every message it routes ("routed to security by `critical-prod`"). */
  'name?': type(/^[^\u0000-\u001f\u007f]{1,64}$/).describe('a route name of 1-64 printable characters'),
  'accounts?': accountId.array().atLeastLength(1),
  /** The account's OU or any OU above it (AWS Organizations in AWS, the `accounts` map locally). */
  'ous?': ouId.array().atLeastLength(1),
  'regions?': regionName.array().atLeastLength(1),
  /** Base rule names (a conformance pack's suffix removed), as patterns. */
  'rules?': pattern.array().atLeastLength(1),
  'resourceTypes?': pattern.array().atLeastLength(1),
  'severities?': severitySchema.array().atLeastLength(1),
  /** Resource tags: key → value, or `*` for any value; every entry must match. */
  'tags?': { '[string]': type('string <= 256') },
  destination: destinationName,
  '+': 'reject',
});
export type Route = typeof routeSchema.infer;

const accountSchema = type({
  name: type(/^[^\u0000-\u001f\u007f]{1,128}$/).describe('an account name of 1-128 printable characters'),
  /** The account's OU, used locally to resolve `ous` (AWS Organizations is asked in AWS). */
  'ou?': ouId,
  /** Who owns the account: a team, an e-mail; shown in its messages. */
  'owner?': type(/^[^\u0000-\u001f\u007f]{1,256}$/).describe('an owner of 1-256 printable characters'),
  '+': 'reject',
});
export type AccountInfo = typeof accountSchema.infer;

/** The routing section as written; every key optional (see {@link normalizeRouting}). */
export const routingSectionSchema = type({
  'destinations?': { '[string]': destinationSchema },
  'defaultDestination?': destinationName,
  'routes?': routeSchema.array(),
  'severityOverrides?': { '[string]': severitySchema },
  'accounts?': { '[string]': accountSchema },
  '+': 'reject',
});
export type RoutingSection = typeof routingSectionSchema.infer;

/** The routing section with its defaults applied: what the matcher and the notifier read. */
export interface RoutingConfig {
  readonly destinations: Readonly<Record<string, Destination>>;
  readonly defaultDestination: string;
  readonly routes: readonly Route[];
  readonly severityOverrides: Readonly<Record<string, Severity>>;
  readonly accounts: Readonly<Record<string, AccountInfo>>;
}

/** No routing section: every alert to one webhook destination, `default`, as before routing. */
export const NO_ROUTING: RoutingConfig = Object.freeze({
  destinations: Object.freeze({ [DEFAULT_DESTINATION]: { type: 'webhook' as const } }),
  defaultDestination: DEFAULT_DESTINATION,
  routes: Object.freeze([]),
  severityOverrides: Object.freeze({}),
  accounts: Object.freeze({}),
});

/** The local configuration file (`config-monitor.json`): only the routing section today. */
export const localConfigFileSchema = type({ 'routing?': routingSectionSchema, '+': 'reject' });

/** A section that passed the schema, with defaults applied. */
export function normalizeRouting(section: RoutingSection | undefined): RoutingConfig {
  if (section === undefined) return NO_ROUTING;
  const defaultDestination = section.defaultDestination ?? DEFAULT_DESTINATION;
  const destinations = section.destinations ?? { [defaultDestination]: { type: 'webhook' as const } };
  return {
    destinations,
    defaultDestination,
    routes: section.routes ?? [],
    severityOverrides: section.severityOverrides ?? {},
    accounts: section.accounts ?? {},
  };
}

/**
 * The problems of a section that the schema cannot see, each naming its path under `prefix`: a
 * route or default naming an undefined destination, a destination name or account id key of the
 * wrong shape, a route without any criterion (it would match everything), two routes of one name,
 * an empty tag key, a variable used by two destinations (bot destinations may share a token, but a
 * webhook URL is one channel's: its variable is its own).
 */
export function routingProblems(section: RoutingSection, prefix = 'routing'): string[] {
  const problems: string[] = [];
  const config = normalizeRouting(section);
  const names = Object.keys(config.destinations);
  const known = names.length > 0 ? names.join(', ') : 'none';
  problems.push(...keyProblems(section, prefix));
  if (!Object.hasOwn(config.destinations, config.defaultDestination)) {
    problems.push(
      `${prefix}.defaultDestination must name a destination of ${prefix}.destinations (was ${JSON.stringify(config.defaultDestination)}; defined: ${known})`,
    );
  }
  const envs = new Map<string, { name: string; type: Destination['type'] }>();
  for (const [name, destination] of Object.entries(config.destinations)) {
    const env = destinationEnv(name, destination, config.defaultDestination);
    if (env === undefined) continue;
    const other = envs.get(env);
    if (other !== undefined && !(other.type === 'bot' && destination.type === 'bot')) {
      problems.push(
        `${prefix}.destinations.${name}.env must differ from ${prefix}.destinations.${other.name}'s (both read ${env}); give each ${other.type === 'webhook' || destination.type === 'webhook' ? 'webhook' : 'destination'} its own variable`,
      );
    }
    if (other === undefined) envs.set(env, { name, type: destination.type });
  }
  const secrets = new Map<string, { name: string; type: Destination['type'] }>();
  for (const [name, destination] of Object.entries(config.destinations)) {
    if (destination.secret === undefined) continue;
    const other = secrets.get(destination.secret);
    if (other !== undefined && other.type !== destination.type) {
      problems.push(
        `${prefix}.destinations.${name}.secret must differ from ${prefix}.destinations.${other.name}'s (${JSON.stringify(destination.secret)}): one holds a webhook URL, the other a bot token`,
      );
    }
    if (other === undefined) secrets.set(destination.secret, { name, type: destination.type });
  }
  const routeNames = new Map<string, number>();
  config.routes.forEach((route, i) => {
    const at = `${prefix}.routes[${i}]`;
    if (!Object.hasOwn(config.destinations, route.destination)) {
      problems.push(
        `${at}.destination must name a destination of ${prefix}.destinations (was ${JSON.stringify(route.destination)}; defined: ${known})`,
      );
    }
    const criteria = (
      ['accounts', 'ous', 'regions', 'rules', 'resourceTypes', 'severities', 'tags'] as const
    ).filter((c) => route[c] !== undefined);
    if (
      criteria.length === 0 ||
      (criteria.length === 1 && route.tags && Object.keys(route.tags).length === 0)
    ) {
      problems.push(
        `${at} must match on at least one of accounts, ous, regions, rules, resourceTypes, severities or tags; a route without criteria would take every alert (set ${prefix}.defaultDestination instead)`,
      );
    }
    for (const key of Object.keys(route.tags ?? {})) {
      if (!tagKey.test(key)) problems.push(`${at}.tags key ${JSON.stringify(key)} must be 1-128 characters`);
    }
    if (route.name !== undefined) {
      const first = routeNames.get(route.name);
      if (first !== undefined) {
        problems.push(
          `${at}.name ${JSON.stringify(route.name)} is also the name of ${prefix}.routes[${first}]; names must be unique so a message says which route sent it`,
        );
      } else routeNames.set(route.name, i);
    }
  });
  return problems;
}

/**
 * Keys of the wrong shape (destination names, account ids), checked on the raw section so they are
 * reported together with the schema's problems.
 */
export function keyProblems(section: unknown, prefix = 'routing'): string[] {
  const problems: string[] = [];
  if (typeof section !== 'object' || section === null) return problems;
  const { destinations, accounts } = section as { destinations?: unknown; accounts?: unknown };
  if (typeof destinations === 'object' && destinations !== null) {
    for (const name of Object.keys(destinations)) {
      if (!DESTINATION_NAME_PATTERN.test(name)) {
        problems.push(
          `${prefix}.destinations key ${JSON.stringify(name)} must be a destination name of 1-64 lowercase letters, digits, _ or - (it names the outbox sub-folder)`,
        );
      }
    }
  }
  if (typeof accounts === 'object' && accounts !== null) {
    for (const id of Object.keys(accounts)) {
      if (!ACCOUNT_ID_PATTERN.test(id)) {
        problems.push(`${prefix}.accounts key ${JSON.stringify(id)} must be a 12-digit AWS account id`);
      }
    }
  }
  return problems;
}

export type RoutingParse =
  | { readonly ok: true; readonly config: RoutingConfig }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Validates a local configuration file's content (`{ "routing": { … } }`): every problem, each
 * naming its path, or the routing with its defaults.
 */
export function parseLocalConfigFile(raw: unknown): RoutingParse {
  const out = localConfigFileSchema(raw);
  if (out instanceof type.errors) {
    const routing = (raw as { routing?: unknown } | null)?.routing;
    return { ok: false, problems: [...[...out].map((e) => e.message), ...keyProblems(routing)] };
  }
  if (out.routing === undefined) return { ok: true, config: NO_ROUTING };
  const problems = routingProblems(out.routing);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: normalizeRouting(out.routing) };
}

/**
 * Parses the routing the notifier Lambda is given (the validated section as JSON, written by the
 * CDK app from the same schema); throws naming the problems, which would be a deployment bug.
 */
export function parseRoutingJson(text: string, source: string): RoutingConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RoutingConfigError(source, [`not valid JSON: ${(err as Error).message}`]);
  }
  const out = routingSectionSchema(raw);
  if (out instanceof type.errors) {
    throw new RoutingConfigError(source, [
      ...[...out].map((e) => `routing${e.path.length > 0 ? '.' : ' '}${e.message}`),
      ...keyProblems(raw),
    ]);
  }
  const problems = routingProblems(out);
  if (problems.length > 0) throw new RoutingConfigError(source, problems);
  return normalizeRouting(out);
}

/** A routing configuration that does not validate; `problems` name each field. */
export class RoutingConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: invalid routing configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'RoutingConfigError';
  }
}
