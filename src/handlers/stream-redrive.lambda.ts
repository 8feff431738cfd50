/**
 * Lambda entrypoint of the stream redrive (SQS event source on the master-bus rules' redrive
 * queue, `ReportBatchItemFailures`). Thin: client and logger at cold start, the work in
 * `stream-redrive.handler.ts`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createKinesisClient } from '../adapters/aws-clients.js';
import { LAMBDA_ENV, requireEnv } from '../config.js';
import { createStreamRedriveHandler } from './stream-redrive.handler.js';

const streamName = requireEnv(LAMBDA_ENV.streamName);
const logger = new Logger();

const redrive = createStreamRedriveHandler({
  kinesis: createKinesisClient(),
  streamName,
  logger: {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
  },
});

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  return redrive(event);
}
