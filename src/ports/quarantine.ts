/**
 * Where records that fail validation go, with the reason, so that nothing is lost and a poison
 * record never blocks a shard: an SQS dead-letter queue in AWS, `<data-dir>/rejected/*.jsonl`
 * locally.
 */

/** One rejected record. */
export interface QuarantinedRecord {
  /** Why it was rejected: names the field and the rule it broke. */
  readonly reason: string;
  /** The raw record text, as received (after base64 decoding). */
  readonly data: string;
  /** Kinesis sequence number of the record, when it came from a stream. */
  readonly sequenceNumber?: string;
  /** Kinesis partition key of the record, when it came from a stream. */
  readonly partitionKey?: string;
  /** ISO time the consumer received it. */
  readonly receivedAt: string;
}

/**
 * Stores rejected records. `put` resolves once every record is durable and throws otherwise, so
 * the consumer retries them; storing a record twice (after a redelivery) is acceptable.
 */
export interface Quarantine {
  put(records: readonly QuarantinedRecord[]): Promise<void>;
}
