/**
 * The report Lambda entrypoint: yesterday's report (or the schedule input's date) from Athena
 * (mocked: no local stand-in), the webhook URL from Secrets Manager (mocked), posted to a local
 * stand-in for the Slack webhook; the last sync's coverage from the events table on dynalite.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { athenaQueryText } from '../../src/adapters/athena/athena.query-engine.js';
import { SyncStatusRepository } from '../../src/adapters/dynamodb/sync-status.repository.js';
import { EVENTS_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { allTexts, limitViolations } from '../../src/adapters/slack/block-kit.js';
import { yesterdayUtc } from '../../src/domain/archive-schema.js';
import { loadSavedQueries } from '../../src/queries/saved-queries.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';
import { reply, type SlackServer, startSlackServer } from '../helpers/slack-server.js';
import { syncStatus, unhealthySource } from '../helpers/sync-status.js';

const athena = mockClient(AthenaClient);
const secrets = mockClient(SecretsManagerClient);
let slack: SlackServer;
let dynamo: LocalDynamo;
let eventsTable: string;
let lambda: typeof import('../../src/handlers/report.lambda.js');

const context = {
  awsRequestId: 'report-1',
  functionName: 'config-monitor-report',
  getRemainingTimeInMillis: () => 600_000,
} as unknown as Context;

/** Canned Athena results per saved query (the query's `-- name:` header identifies it). */
const RESULTS: Record<string, { columns: string[]; rows: string[][] }> = {
  daily_report: {
    columns: [
      'day',
      'evaluations',
      'new_violations',
      'resolved_violations',
      'compliant',
      'non_compliant',
      'not_applicable',
      'insufficient_data',
      'compliance_score',
      'previous_compliance_score',
      'compliance_score_change',
    ],
    rows: [['2024-03-09', '1200', '23', '19', '800', '200', '5', '0', '80.0', '81.5', '-1.5']],
  },
  daily_top_rules: {
    columns: [
      'rule_rank',
      'base_rule_name',
      'non_compliant_resources',
      'affected_accounts',
      'new_violations',
      'resolved_violations',
    ],
    rows: [
      ['1', 'restricted-ssh', '40', '7', '3', '1'],
      ['2', '<!channel> evil-rule', '12', '1', '0', '0'],
    ],
  },
  daily_top_accounts: {
    columns: [
      'account_rank',
      'account',
      'open_violations',
      'compliant',
      'compliance_score',
      'new_violations',
      'resolved_violations',
    ],
    rows: [['1', '111122223333', '45', '100', '68.97', '2', '0']],
  },
};
RESULTS.key_state_build = { columns: ['built_at', 'build_rows'], rows: [] };
const TYPES: Record<string, string> = { day: 'varchar', base_rule_name: 'varchar', account: 'varchar' };

/** The saved query a statement runs (Athena receives its text without the comment lines). */
function savedQueryOf(queryString: string): string {
  const query = loadSavedQueries().find((q) => queryString.endsWith(athenaQueryText(q.sql)));
  return query?.name ?? 'unknown';
}

function mockAthena(): void {
  athena.on(StartQueryExecutionCommand).callsFake((input: { QueryString: string }) => {
    return { QueryExecutionId: `q-${savedQueryOf(input.QueryString)}` };
  });
  athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => ({
    QueryExecution: { QueryExecutionId: input.QueryExecutionId, Status: { State: 'SUCCEEDED' } },
  }));
  athena.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string }) => {
    const result = RESULTS[input.QueryExecutionId.slice(2)] as { columns: string[]; rows: string[][] };
    const cells = (values: string[]) => ({ Data: values.map((v) => ({ VarCharValue: v })) });
    return {
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: result.columns.map((c) => ({
            Name: c,
            Type: TYPES[c] ?? (c.includes('score') ? 'double' : 'bigint'),
          })),
        },
        Rows: [cells(result.columns), ...result.rows.map(cells)],
      },
    };
  });
}

beforeAll(async () => {
  slack = await startSlackServer();
  dynamo = await startLocalDynamo();
  eventsTable = tableName(await dynamo.newPrefix(), EVENTS_TABLE);
  Object.assign(process.env, {
    EVENTS_TABLE_NAME: eventsTable,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    ATHENA_WORKGROUP: 'config-monitor',
    ATHENA_DATABASE: 'config_monitor',
    SLACK_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:slack-webhook',
    DASHBOARD_URL: 'https://dashboard.example.com/',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  lambda = await import('../../src/handlers/report.lambda.js');
});

afterAll(async () => {
  await slack?.close();
  await dynamo?.close();
});

beforeEach(() => {
  athena.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: slack.url });
  mockAthena();
});

describe('report.lambda handler', () => {
  it("posts yesterday's report by default, rendered within Block Kit limits", async () => {
    // Act
    const result = await lambda.handler({}, context);
    // Assess
    expect(result).toEqual({ day: yesterdayUtc(), posted: true });
    const days = athena
      .commandCalls(StartQueryExecutionCommand)
      .map((c) => c.args[0].input.ExecutionParameters);
    expect(days).toEqual(expect.arrayContaining([expect.arrayContaining([`'${yesterdayUtc()}'`])]));
    const posted = JSON.parse(slack.delivered().at(-1) as string);
    expect(limitViolations(posted)).toEqual([]);
    const texts = allTexts(posted).join('\n');
    expect(texts).toContain('*80.00%*');
    expect(texts).toContain('▼ −1.50 pts from the day before');
    expect(texts).toContain('1. *restricted-ssh* — 40 resources in 7 accounts');
    expect(texts).toContain('&lt;!channel&gt; evil-rule');
    expect(texts).toContain('<https://dashboard.example.com/|Open the dashboard>');
    // No sync has saved a status yet: no coverage block.
    expect(texts).not.toContain('*Coverage*');
  });

  it('shows the last sync’s coverage from the events table', async () => {
    // Prepare: a sync saved its status; one source's error is hostile.
    const status = syncStatus();
    await new SyncStatusRepository(dynamo.doc, eventsTable).save({
      ...status,
      coverage: {
        ...status.coverage,
        unhealthySources: [unhealthySource({ error: '<!channel> denied' })],
      },
    });
    // Act
    await lambda.handler({ date: '2024-03-09' }, context);
    // Assess
    const posted = JSON.parse(slack.delivered().at(-1) as string);
    expect(limitViolations(posted)).toEqual([]);
    const coverage = allTexts(posted).find((text) => text.startsWith('*Coverage*'));
    expect(coverage?.split('\n')).toEqual([
      '*Coverage* · last sync 2024-03-10 06:00 UTC · 10 sources ok, 2 failed or outdated',
      '1 aggregator source failed or is outdated',
      '2 accounts in 2 regions report no rules',
      '• `111111111111` eu-west-1 FAILED — &lt;!channel&gt; denied',
    ]);
  });

  it('reports the day the schedule input names', async () => {
    const result = await lambda.handler({ date: '2024-03-09' }, context);
    expect(result.day).toBe('2024-03-09');
    const starts = athena.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input);
    const headline = starts.find((input) => savedQueryOf(input.QueryString ?? '') === 'daily_report');
    expect(headline?.ExecutionParameters).toContain("'2024-03-09'");
    // The rollup is rebuilt first: DAILY_STATE_REFRESH_DAYS (default 3) days up to the report's day.
    const builds = starts.filter((input) =>
      input.QueryString?.startsWith('insert into compliance_daily_state'),
    );
    expect(builds.map((input) => input.ExecutionParameters?.[0])).toEqual([
      "'2024-03-07'",
      "'2024-03-08'",
      "'2024-03-09'",
    ]);
    expect(starts.indexOf(builds[2] as (typeof starts)[number])).toBeLessThan(
      starts.indexOf(headline as (typeof starts)[number]),
    );
  });

  it('stops every Athena statement a minute before the invocation would time out', async () => {
    // Prepare: 61 s left, and statements that never finish.
    athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => ({
      QueryExecution: { QueryExecutionId: input.QueryExecutionId, Status: { State: 'RUNNING' } },
    }));
    athena.on(StopQueryExecutionCommand).resolves({});
    const started = Date.now();
    // Act + Assess: stopped after ~1 s instead of running into the Lambda timeout.
    await expect(
      lambda.handler({ date: '2024-03-09' }, { ...context, getRemainingTimeInMillis: () => 61_000 }),
    ).rejects.toThrow(/deadline|stopped|timed out/i);
    expect(athena.commandCalls(StopQueryExecutionCommand).length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses an invalid date before any query', async () => {
    await expect(lambda.handler({ date: "2024-03-09' --" }, context)).rejects.toThrow(/YYYY-MM-DD/);
    expect(athena.calls()).toHaveLength(0);
  });

  it('throws when Slack refuses the post, so the scheduler retries', async () => {
    slack.script(reply.channelNotFound);
    await expect(lambda.handler({ date: '2024-03-09' }, context)).rejects.toThrow(/not posted/);
  });

  it('posts the report without coverage when the status cannot be read', async () => {
    // Prepare: the table is gone (as a missing grant, the read fails). Last test: it stays gone.
    await dynamo.client.send(new DeleteTableCommand({ TableName: eventsTable }));
    // Act
    const result = await lambda.handler({ date: '2024-03-09' }, context);
    // Assess
    expect(result).toEqual({ day: '2024-03-09', posted: true });
    const texts = allTexts(JSON.parse(slack.delivered().at(-1) as string)).join('\n');
    expect(texts).toContain('*80.00%*');
    expect(texts).not.toContain('*Coverage*');
  });
});
