/**
 * How the master bus puts the ONE config-monitor event pattern into Kinesis, one rule per place
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
 */
import {
  COMPLIANCE_CHANGE,
  CONFIG_EVENT_PATTERN,
  CONFIGURATION_ITEM_CHANGE,
} from '../src/domain/event-pattern.js';

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
      detail: { messageType: [ITEM_CHANGE] },
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
