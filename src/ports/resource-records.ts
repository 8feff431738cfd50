/**
 * The hot store's record of each resource (tags of its newest configuration item, its last few
 * changes): written by the consumer from configuration item changes, read by the notifier to route
 * by tag and to say which change caused a violation. DynamoDB: `ResourceRecordRepository`
 * (src/adapters/dynamodb/resource-record.repository.ts), in the events table.
 */
import type { ResourceKey, ResourceObservation, ResourceRecord } from '../domain/resource-record.js';

export interface ResourceStore {
  /**
   * Merges the observations into their resources' records (mergeResourceRecord): idempotent and
   * order-independent. Returns the event ids whose merge could not be written (to be redelivered).
   */
  record(observations: readonly ResourceObservation[]): Promise<{ failed: Set<string> }>;
  /** The records of `keys`, aligned with them (undefined: the resource was never seen). */
  getMany(keys: readonly ResourceKey[]): Promise<(ResourceRecord | undefined)[]>;
}
