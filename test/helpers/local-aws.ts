/**
 * Real local AWS stand-ins for integration tests: dynalite and kinesalite in memory, the hot-store
 * tables created from their one definition. Call in `beforeAll`, close in `afterAll`.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynalite, startKinesalite } from '../../pipeline/embedded/local-services.js';
import {
  createDocumentClient,
  createDynamoClient,
  createKinesisClient,
} from '../../src/adapters/aws-clients.js';
import { ensureTables } from '../../src/adapters/dynamodb/create-tables.js';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  /** A fresh table prefix with all tables created: isolates tests sharing one dynalite. */
  newPrefix(): Promise<string>;
  close(): Promise<void>;
}

export async function startLocalDynamo(): Promise<LocalDynamo> {
  const service = await startDynalite();
  const client = createDynamoClient({ endpoint: service.endpoint });
  const doc = createDocumentClient({ endpoint: service.endpoint });
  return {
    endpoint: service.endpoint,
    client,
    doc,
    async newPrefix() {
      const prefix = `t${randomUUID().slice(0, 8)}`;
      await ensureTables(client, prefix);
      return prefix;
    },
    async close() {
      client.destroy();
      doc.destroy();
      await service.close();
    },
  };
}

export interface LocalKinesis {
  readonly endpoint: string;
  readonly client: KinesisClient;
  close(): Promise<void>;
}

export async function startLocalKinesis(): Promise<LocalKinesis> {
  const service = await startKinesalite();
  const client = createKinesisClient({ endpoint: service.endpoint });
  return {
    endpoint: service.endpoint,
    client,
    async close() {
      client.destroy();
      await service.close();
    },
  };
}
