import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { masterStackName as infraStackName } from '../../infra/app-builder.js';
import {
  checkBusDeadLetters,
  checkConcurrency,
  masterStackName,
} from '../../src/adapters/aws/deployment-doctor.js';

describe('doctor', () => {
  it('uses the stack name of the CDK app', () => {
    expect(masterStackName('prod')).toBe(infraStackName({ stage: 'prod' }));
  });

  it.each([
    [50, 'FAIL'],
    [500, 'WARN'],
    [1000, 'PASS'],
  ])('concurrency quota %i is %s', async (limit, verdict) => {
    const lambda = mockClient(LambdaClient);
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: limit } });
    expect((await checkConcurrency(new LambdaClient({}))).verdict).toBe(verdict);
    lambda.restore();
  });

  it.each([
    ['0', 'PASS'],
    ['3', 'FAIL'],
  ])('bus DLQ with %s messages is %s', async (n, verdict) => {
    const sqs = mockClient(SQSClient);
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: n } });
    const facts = {
      workgroup: 'w',
      database: 'd',
      queues: new Map([['BusDeadLettersQueue1234ABCD', 'https://q']]),
    };
    expect((await checkBusDeadLetters(new SQSClient({}), facts, 'prod')).verdict).toBe(verdict);
    sqs.restore();
  });
});

import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { AthenaRunner, checkReuse, checkSavedQueries } from '../../src/adapters/aws/deployment-doctor.js';
import { loadSavedQueries } from '../../src/queries/saved-queries.js';

describe('doctor Athena checks', () => {
  const facts = { workgroup: 'config-monitor-prod', database: 'config_monitor_prod', queues: new Map() };
  const options = { stage: 'prod', queries: loadSavedQueries(), pollMs: 0 };
  it.each([
    [false, 'PASS'],
    [true, 'FAIL'],
  ])('reuse %s is %s', async (reused, verdict) => {
    const athena = mockClient(AthenaClient);
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        QueryExecutionId: 'q',
        Status: { State: 'SUCCEEDED' },
        Statistics: { ResultReuseInformation: { ReusedPreviousResult: reused } },
      },
    });
    const runner = new AthenaRunner(new AthenaClient({}), facts, options);
    expect((await checkReuse(runner, options)).verdict).toBe(verdict);
    athena.restore();
  });
  it.each([
    ['SUCCEEDED', 'PASS'],
    ['FAILED', 'FAIL'],
  ] as const)('saved queries %s is %s', async (state, verdict) => {
    const athena = mockClient(AthenaClient);
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q' });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { QueryExecutionId: 'q', Status: { State: state } } });
    const runner = new AthenaRunner(new AthenaClient({}), facts, options);
    expect((await checkSavedQueries(runner, options)).verdict).toBe(verdict);
    athena.restore();
  });
});

import { InvokeCommand } from '@aws-sdk/client-lambda';
import { checkRollupTwice } from '../../src/adapters/aws/deployment-doctor.js';

describe('doctor rollup check', () => {
  const facts = { workgroup: 'w', database: 'd', reportFunction: 'report-fn', queues: new Map() };
  it.each([
    [undefined, 'PASS'],
    ['Unhandled', 'FAIL'],
  ])('FunctionError %s is %s', async (functionError, verdict) => {
    const lambda = mockClient(LambdaClient);
    lambda
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, ...(functionError ? { FunctionError: functionError } : {}) });
    const result = await checkRollupTwice(new LambdaClient({}), facts, { stage: 'prod', queries: [] });
    expect(result.verdict).toBe(verdict);
    lambda.restore();
  });
});
