import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlertOutboxRepository } from '../../src/adapters/dynamodb/alert-outbox.repository.js';
import { OUTBOX_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { makeAlert } from '../helpers/alerts.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';
import { type SlackServer, startSlackServer } from '../helpers/slack-server.js';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-AbCdEf';
const sm = mockClient(SecretsManagerClient);
let dynamo: LocalDynamo;
let slack: SlackServer;
let outbox: AlertOutboxRepository;

beforeAll(async () => {
  [dynamo, slack] = await Promise.all([startLocalDynamo(), startSlackServer()]);
  const table = tableName(await dynamo.newPrefix(), OUTBOX_TABLE);
  outbox = new AlertOutboxRepository(dynamo.doc, table);
  sm.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: slack.url });
  // The handler builds its clients at module load, as in Lambda: point them at dynalite.
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamo.endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('OUTBOX_TABLE_NAME', table);
  vi.stubEnv('SLACK_WEBHOOK_SECRET_ARN', SECRET_ARN);
  vi.stubEnv('ALERT_DIGEST_THRESHOLD', '10');
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'notifier');
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'ConfigMonitor');
  // test/setup.ts silences Powertools; this test asserts on its logs and metrics.
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  sm.restore();
  await Promise.all([dynamo?.close(), slack?.close()]);
});

const context = (remainingMs: number) =>
  ({
    functionName: 'notifier',
    functionVersion: '1',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:notifier',
    memoryLimitInMB: '256',
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => remainingMs,
  }) as unknown as Context;

describe('notifier Lambda entrypoint', () => {
  it('reads the webhook URL from Secrets Manager and drains the outbox on any trigger', async () => {
    // Prepare
    const alerts = [makeAlert(), makeAlert({ kind: 'resolution' })];
    await outbox.enqueue(alerts);
    const output: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      output.push(String(chunk));
      return true;
    });
    const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args) => output.push(args.join(' '))),
    );
    const { handler } = await import('../../src/handlers/notifier.lambda.js');

    // Act
    await handler({ Records: [{ eventName: 'INSERT' }] }, context(55_000));
    await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, context(55_000));
    spy.mockRestore();
    for (const s of consoleSpies) s.mockRestore();

    // Assess
    expect(slack.delivered()).toHaveLength(2);
    expect(await outbox.countPending()).toBe(0);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    const logs = output.join('\n');
    expect(logs).toContain('Alert outbox drained');
    expect(logs).toContain('SlackMessagesPosted');
    expect(logs).not.toContain(slack.url);
  });
});
