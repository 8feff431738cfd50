/**
 * AWS SDK clients, built the same way for AWS and for the embedded stack: the only difference is
 * an endpoint (kinesalite, dynalite) and dummy credentials for the local servers.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface ClientOptions {
  /** Local endpoint (http://127.0.0.1:port). @default - the AWS endpoint of the region */
  readonly endpoint?: string;
  /** @default - AWS_REGION, else us-east-1 */
  readonly region?: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function common(options: ClientOptions) {
  return {
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint, credentials: LOCAL_CREDENTIALS } : {}),
    // kinesalite and dynalite speak HTTP/1.1 only; NodeHttpHandler is also the SDK's Lambda default.
    requestHandler: new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout: 10_000 }),
    maxAttempts: 4,
  };
}

export function createDynamoClient(options: ClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient(common(options));
}

/** Document client: plain JS values in and out; undefined attributes are dropped. */
export function createDocumentClient(options: ClientOptions = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(createDynamoClient(options), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function createKinesisClient(options: ClientOptions = {}): KinesisClient {
  return new KinesisClient(common(options));
}
