/**
 * The API Lambda entrypoint with API Gateway REST proxy events: the real module (config from the
 * environment, clients at cold start), DynamoDB on dynalite, Athena mocked with
 * aws-sdk-client-mock (it has no local stand-in).
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecutionState,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventStoreRepository } from '../../src/adapters/dynamodb/event-store.repository.js';
import { SyncStatusRepository } from '../../src/adapters/dynamodb/sync-status.repository.js';
import { EVENTS_TABLE, STATE_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { parseConfigEvent } from '../../src/domain/config-event.js';
import { complianceEvent } from '../helpers/archive-events.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';
import { syncStatus } from '../helpers/sync-status.js';

const athena = mockClient(AthenaClient);
let dynamo: LocalDynamo;
let handler: typeof import('../../src/handlers/api.lambda.js').handler;

const context = {
  awsRequestId: 'lambda-request-1',
  functionName: 'config-monitor-api',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:999999999999:function:config-monitor-api',
  memoryLimitInMB: '512',
  logGroupName: '/aws/lambda/config-monitor-api',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 29_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as unknown as Context;

/** An API Gateway REST (v1) proxy event as IAM-authorized requests arrive. */
function restEvent(path: string, query: Record<string, string[]> = {}): APIGatewayProxyEvent {
  const single = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v.at(-1) as string]));
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: 'GET',
    headers: { Host: 'abc123.execute-api.eu-west-1.amazonaws.com', Accept: 'application/json' },
    multiValueHeaders: {
      Host: ['abc123.execute-api.eu-west-1.amazonaws.com'],
      Accept: ['application/json'],
    },
    queryStringParameters: Object.keys(query).length > 0 ? single : null,
    multiValueQueryStringParameters: Object.keys(query).length > 0 ? query : null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: '999999999999',
      apiId: 'abc123',
      authorizer: null,
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      httpMethod: 'GET',
      identity: { userArn: 'arn:aws:iam::999999999999:user/analyst' },
      path: `/prod${path}`,
      protocol: 'HTTP/1.1',
      requestId: 'apigw-request-1',
      requestTimeEpoch: 1_700_000_000_000,
      resourceId: 'res',
      resourcePath: '/{proxy+}',
      stage: 'prod',
    },
    body: null,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEvent;
}

async function invoke(path: string, query: Record<string, string[]> = {}) {
  const result = await handler(restEvent(path, query) as never, context);
  // REST (v1) proxy results carry headers as multiValueHeaders.
  const headers = Object.fromEntries(
    Object.entries(result.multiValueHeaders ?? {}).map(([name, values]) => [name, String(values[0])]),
  );
  return {
    status: result.statusCode,
    body: JSON.parse(result.body),
    headers: { ...headers, ...result.headers },
  };
}

const execution = (state: QueryExecutionState) => ({
  QueryExecution: { QueryExecutionId: 'athena-q', Status: { State: state } },
});

beforeAll(async () => {
  // Prepare: dynalite as the events table, the Lambda's environment, then the module (cold start).
  dynamo = await startLocalDynamo();
  const prefix = await dynamo.newPrefix();
  const events = [
    complianceEvent({
      id: 'evt-1',
      newStatus: 'NON_COMPLIANT',
      at: new Date(Date.now() - 3_600_000).toISOString(),
    }),
    complianceEvent({
      id: 'evt-2',
      newStatus: 'COMPLIANT',
      at: new Date(Date.now() - 7_200_000).toISOString(),
    }),
  ].map((raw) => {
    const outcome = parseConfigEvent(raw);
    if (outcome.status !== 'accepted') throw new Error('fixture rejected');
    return outcome.event;
  });
  await new EventStoreRepository(dynamo.doc, tableName(prefix, EVENTS_TABLE)).markDone(events);
  Object.assign(process.env, {
    EVENTS_TABLE_NAME: tableName(prefix, EVENTS_TABLE),
    STATE_TABLE_NAME: tableName(prefix, STATE_TABLE),
    ATHENA_WORKGROUP: 'config-monitor',
    ATHENA_DATABASE: 'config_monitor',
    API_QUERY_WAIT_MS: '300',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler } = await import('../../src/handlers/api.lambda.js'));
});

afterAll(async () => {
  await dynamo?.close();
});

beforeEach(() => {
  athena.reset();
});

describe('api.lambda handler', () => {
  it('answers /healthz with the API Gateway request id', async () => {
    const res = await invoke('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['x-request-id']).toBe('apigw-request-1');
  });

  it('reads /events from DynamoDB', async () => {
    const res = await invoke('/events', { limit: ['10'], source: ['aws.config'] });
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: any) => i.id)).toEqual(['evt-1', 'evt-2']);
    expect(res.body.next).toBeNull();
  });

  it('reads /coverage from the sync item of the events table', async () => {
    // Prepare: no sync yet, then one.
    const before = await invoke('/coverage');
    await new SyncStatusRepository(dynamo.doc, process.env.EVENTS_TABLE_NAME as string).save(syncStatus());
    // Act
    const after = await invoke('/coverage');
    // Assess
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      last_sync: null,
      hint: expect.stringContaining('config-monitor sync'),
    });
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({
      last_sync: '2024-03-10T06:00:00.000Z',
      sources: { ok: 10, failed: 2 },
      summary: ['2 aggregator sources failed or are outdated', '2 accounts in 2 regions report no rules'],
    });
    expect(athena.calls()).toEqual([]);
  });

  it('runs the saved queries on Athena with the values as execution parameters only', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'athena-q' });
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: [
            { Name: 'compliant', Type: 'bigint' },
            { Name: 'non_compliant', Type: 'bigint' },
            { Name: 'not_applicable', Type: 'bigint' },
            { Name: 'insufficient_data', Type: 'bigint' },
            { Name: 'compliance_score', Type: 'double' },
          ],
        },
        Rows: [
          {
            Data: [
              'compliant',
              'non_compliant',
              'not_applicable',
              'insufficient_data',
              'compliance_score',
            ].map((v) => ({ VarCharValue: v })),
          },
          { Data: ['3', '1', '0', '0', '75.0'].map((v) => ({ VarCharValue: v })) },
        ],
      },
    });
    // Act
    const res = await invoke('/compliance/summary', { account: ['123456789012'], end_date: ['2024-03-01'] });
    // Assess
    expect(res.status).toBe(200);
    expect(res.body.compliance_score).toBe(75);
    const starts = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(starts).toHaveLength(2);
    for (const input of starts) {
      expect(input.WorkGroup).toBe('config-monitor');
      expect(input.QueryExecutionContext?.Database).toBe('config_monitor');
      expect(input.QueryString).not.toContain('123456789012');
      expect(input.ExecutionParameters).toContain("'123456789012'");
    }
  });

  it('answers 202 with a poll path under the stage the client called, which then answers', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'athena-q' });
    athena.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    // Act
    const res = await invoke('/compliance/trends');
    // Assess: the stage of the request (prod here, v1 as deployed) stays in the poll path.
    expect(res.status).toBe(202);
    expect(res.body.poll).toBe(`/prod/queries/${res.body.query_id}`);
    const again = await invoke(res.body.poll.slice('/prod'.length));
    expect(again.status).toBe(202);
    expect(again.body.poll).toBe(res.body.poll);
  });

  it.each([
    ['account', '１２３４５６７８９０１２'],
    ['account', "' OR 1=1 --"],
    ['limit', '501'],
  ])('rejects %s=%j with a 400 before any call to Athena or DynamoDB', async (name, value) => {
    const res = await invoke(name === 'limit' ? '/events' : '/compliance/summary', { [name]: [value] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_parameter', parameter: name });
    expect(athena.calls()).toHaveLength(0);
  });

  it('rejects a repeated parameter (multi-value query strings)', async () => {
    const res = await invoke('/compliance/summary', { account: ['123456789012', '210987654321'] });
    expect(res.status).toBe(400);
    expect(res.body.parameter).toBe('account');
  });

  it('hides an Athena access error behind a 500 with the request id', async () => {
    const denied = new Error(
      'User: arn:aws:sts::999999999999:assumed-role/api is not authorized to perform athena:StartQueryExecution',
    );
    denied.name = 'AccessDeniedException';
    athena.on(StartQueryExecutionCommand).rejects(denied);
    const res = await invoke('/compliance/summary');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: 'internal_error',
      message: 'the request failed; quote the request id to the operator',
      request_id: 'apigw-request-1',
    });
  });
});
