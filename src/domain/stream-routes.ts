/**
 * How events enter the stream: the master bus puts the ONE config-monitor event pattern into
 * Kinesis, one rule per place
 * where an event carries its resource id. The partition key is the resource id so that the stream
 * (and the consumer, which keeps per-partition-key order at any parallelization factor) sees the
 * evaluations of one resource in order.
 *
 * Why several rules: a Kinesis target has a single `PartitionKeyPath`, and the resource id sits at
 * `$.detail.resourceId` only in compliance changes; configuration-item changes carry it in
 * `configurationItem` or, when oversized, in `configurationItemSummary`. EventBridge does not
 * document what it does with a path that does not resolve, so each rule's path always resolves.
 * The routes narrow {@link CONFIG_EVENT_PATTERN} and together match exactly what it matches
 * (test/infra/stream-routes.test.ts checks that on every fixture).
 *
 * The same table drives the embedded ingest and the cloud stream redrive ({@link partitionKeyFor}),
 * so a resource maps to one shard locally exactly as it does behind the cloud rules.
 *
 * Long resource ids. Kinesis partition keys are 1 to 256 characters
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsRequestEntry.html) but
 * AWS Config resource ids reach 768
 * (https://docs.aws.amazon.com/config/latest/APIReference/API_Evaluation.html). EventBridge cannot
 * hash or truncate the value a `PartitionKeyPath` extracts, so the put of an event with a longer id
 * fails and EventBridge sends it to the rule's dead-letter queue. That queue is therefore a redrive
 * queue: the stream-redrive Lambda (src/handlers/stream-redrive.handler.ts) puts each message back
 * into the stream with {@link partitionKeyFor}, the SHA-256 of the long id. Why this design and not
 * "key everything by event id": the decision depends only on the id, so every event of one long id
 * takes the same path (direct for none, redrive for all) and gets the same hashed key; they all land
 * on one shard, so the consumer keeps its per-state-key guarantees (never two concurrent batches of
 * one key, hence no alert for a stale evaluation and one alert per transition), exactly as for short
 * ids. Ids that fit (the vast majority) keep the direct route, with no Lambda in their path.
 * The redrive queue is a standard queue and may hand over events of one id out of order; the
 * consumer's state write is order-aware ((orderingTimestamp, resultRecordedTime, event id)), so a
 * late, older evaluation is stored as stale and alerts nothing.
 */
import { COMPLIANCE_CHANGE, CONFIG_EVENT_PATTERN, CONFIGURATION_ITEM_CHANGE } from './event-pattern.js';

const ITEM_CHANGE = 'ConfigurationItemChangeNotification';
const OVERSIZED_ITEM_CHANGE = 'OversizedConfigurationItemChangeNotification';

/** One master-bus rule into the stream. The pattern is EventBridge JSON (CloudFormation form). */
export interface StreamRoute {
  /** Stable construct id of the rule. */
  readonly id: string;
  readonly description: string;
  readonly eventPattern: Readonly<Record<string, unknown>>;
  /** JSON path of the Kinesis partition key; undefined = the event id (no ordering needed). */
  readonly partitionKeyPath?: string;
}

export const STREAM_ROUTES: readonly StreamRoute[] = [
  {
    id: 'ComplianceChanges',
    description: 'Config rule compliance changes, keyed by resource id',
    eventPattern: { ...CONFIG_EVENT_PATTERN, 'detail-type': [COMPLIANCE_CHANGE] },
    partitionKeyPath: '$.detail.resourceId',
  },
  {
    id: 'ConfigurationItemChanges',
    description: 'Configuration item changes, keyed by resource id',
    eventPattern: {
      ...CONFIG_EVENT_PATTERN,
      'detail-type': [CONFIGURATION_ITEM_CHANGE],
      // The schema makes resourceId optional: without it the path would not resolve, so such events
      // take the event-id route below.
      detail: { messageType: [ITEM_CHANGE], configurationItem: { resourceId: [{ exists: true }] } },
    },
    partitionKeyPath: '$.detail.configurationItem.resourceId',
  },
  {
    id: 'OversizedConfigurationItemChanges',
    description: 'Oversized configuration item changes, keyed by resource id',
    eventPattern: {
      ...CONFIG_EVENT_PATTERN,
      'detail-type': [CONFIGURATION_ITEM_CHANGE],
      detail: { messageType: [OVERSIZED_ITEM_CHANGE] },
    },
    partitionKeyPath: '$.detail.configurationItemSummary.resourceId',
  },
  {
    // An item change without a resource id: keyed by event id; the consumer counts or quarantines it.
    id: 'ConfigurationItemChangesWithoutResourceId',
    description: 'Configuration item changes whose item carries no resource id, keyed by event id',
    eventPattern: {
      ...CONFIG_EVENT_PATTERN,
      'detail-type': [CONFIGURATION_ITEM_CHANGE],
      detail: { messageType: [ITEM_CHANGE], configurationItem: { resourceId: [{ exists: false }] } },
    },
  },
  {
    // Anything else under the accepted detail types still reaches the consumer, which counts it
    // as skipped or quarantines it: nothing the ONE pattern matches is dropped at the bus.
    id: 'OtherConfigurationItemChanges',
    description: 'Configuration item changes of any other message type, keyed by event id',
    eventPattern: {
      ...CONFIG_EVENT_PATTERN,
      'detail-type': [CONFIGURATION_ITEM_CHANGE],
      detail: { messageType: [{ 'anything-but': [ITEM_CHANGE, OVERSIZED_ITEM_CHANGE] }, { exists: false }] },
    },
  },
];

type Json = Readonly<Record<string, unknown>>;

/**
 * EventBridge matching for the pattern syntax the routes use: lists of exact strings,
 * `anything-but` (a list of strings), `exists`, and nested objects. A list matches when any of its
 * entries matches.
 */
export function matchesEventPattern(pattern: Json, event: Json): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    const value = event[key];
    if (Array.isArray(rule)) return rule.some((entry) => matchesEntry(entry, value));
    if (typeof value !== 'object' || value === null) return false;
    return matchesEventPattern(rule as Json, value as Json);
  });
}

function matchesEntry(entry: unknown, value: unknown): boolean {
  if (typeof entry === 'string') return value === entry;
  const rule = entry as Json;
  if ('exists' in rule) return (value !== undefined) === rule.exists;
  if ('anything-but' in rule) {
    return typeof value === 'string' && !(rule['anything-but'] as string[]).includes(value);
  }
  throw new Error(`unsupported event pattern syntax: ${JSON.stringify(entry)}`);
}

/** Resolves a `$.a.b` JSON path as EventBridge's `PartitionKeyPath` does. */
export function resolveJsonPath(event: Json, path: string): unknown {
  return path
    .replace(/^\$\./, '')
    .split('.')
    .reduce<unknown>(
      (node, key) => (typeof node === 'object' && node !== null ? (node as Json)[key] : undefined),
      event,
    );
}

/** The route the master bus sends an event through, or undefined when no route matches. */
export function streamRouteOf(event: Json): StreamRoute | undefined {
  return STREAM_ROUTES.find((route) => matchesEventPattern(route.eventPattern, event));
}

/**
 * The resource id the event's route uses as its Kinesis partition key, or undefined when the route
 * keys by event id (or the path holds no non-empty string). Callers fall back to the event id.
 */
export function routedPartitionKey(event: Json): string | undefined {
  const path = streamRouteOf(event)?.partitionKeyPath;
  if (!path) return undefined;
  const value = resolveJsonPath(event, path);
  return typeof value === 'string' && value !== '' ? value : undefined;
}
