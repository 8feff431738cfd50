import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InvalidRequestException,
  type QueryExecutionState,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AthenaQueryEngine,
  athenaQueryText,
  convertAthenaValue,
  toExecutionParameter,
} from '../../src/adapters/athena/athena.query-engine.js';
import { AthenaQueryTimeoutError } from '../../src/adapters/athena/errors.js';
import {
  COMPLIANCE_DAILY_STATE_COLUMNS,
  COMPLIANCE_KEY_STATE_COLUMNS,
} from '../../src/domain/archive-schema.js';
import { getSavedQuery } from '../../src/queries/saved-queries.js';

const athena = mockClient(AthenaClient);

/** A fake clock: sleeping advances time at once, and every sleep is recorded. */
function fakeClock(start = Date.parse('2026-03-01T00:00:00Z')) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

function engine(
  clock = fakeClock(),
  extra: Partial<ConstructorParameters<typeof AthenaQueryEngine>[0]> = {},
) {
  return new AthenaQueryEngine({
    workgroup: 'config-monitor',
    database: 'config_monitor',
    client: new AthenaClient({ region: 'eu-west-1' }),
    clock,
    ...extra,
  });
}

const execution = (state: QueryExecutionState, extra: Record<string, unknown> = {}) => ({
  QueryExecution: {
    QueryExecutionId: 'q-1',
    Status: { State: state, SubmissionDateTime: new Date('2026-03-01T00:00:00Z'), ...extra },
  },
});

const text = (value: string | null) => (value === null ? {} : { VarCharValue: value });
const COLUMNS = [
  { Name: 'account', Type: 'varchar' },
  { Name: 'events', Type: 'bigint' },
  { Name: 'compliance_score', Type: 'double' },
  { Name: 'ratio', Type: 'decimal', Precision: 10, Scale: 2 },
  { Name: 'open', Type: 'boolean' },
  { Name: 'event_time', Type: 'timestamp' },
];
const row = (...values: (string | null)[]) => ({ Data: values.map(text) });

beforeEach(() => {
  athena.reset();
});

describe('AthenaQueryEngine.execute', () => {
  it('starts the saved query with execution parameters and no result reuse, polls with backoff, and reads every page', async () => {
    // Prepare
    const clock = fakeClock();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(execution('QUEUED'))
      .resolvesOnce(execution('RUNNING'))
      .resolvesOnce(execution('RUNNING'))
      .resolves(execution('SUCCEEDED'));
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: COLUMNS },
          Rows: [
            row('account', 'events', 'compliance_score', 'ratio', 'open', 'event_time'),
            row('111122223333', '12', '66.67', '0.25', 'true', '2026-03-01 10:00:00.123'),
          ],
        },
        NextToken: 'page-2',
      })
      .resolvesOnce({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: COLUMNS },
          Rows: [row('account', '3', null, null, 'false', null)],
        },
        NextToken: 'page-3',
      })
      .resolvesOnce({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: COLUMNS },
          Rows: [row("it's", '0', 'NaN', '1.50', null, '2026-03-02 00:00:00.000')],
        },
      });

    // Act
    const outcome = await engine(clock).execute('compliance_summary', {
      account: '111122223333',
      start: '2026-03-01T00:00:00+01:00',
    });

    // Assess
    expect(outcome).toEqual({
      status: 'succeeded',
      queryId: 'q-1',
      rows: [
        {
          account: '111122223333',
          events: 12,
          compliance_score: 66.67,
          ratio: 0.25,
          open: true,
          event_time: '2026-03-01T10:00:00.123Z',
        },
        { account: 'account', events: 3, compliance_score: null, ratio: null, open: false, event_time: null },
        {
          account: "it's",
          events: 0,
          compliance_score: 'NaN',
          ratio: 1.5,
          open: null,
          event_time: '2026-03-02T00:00:00.000Z',
        },
      ],
    });
    const start = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(start).toMatchObject({
      QueryString: athenaQueryText(getSavedQuery('compliance_summary').sql),
      WorkGroup: 'config-monitor',
      QueryExecutionContext: { Database: 'config_monitor' },
      // account ×2, region ×2, severity ×2, start ×3, end ×3 (the positional order of the query's @params)
      ExecutionParameters: [
        "'111122223333'",
        "'111122223333'",
        "''",
        "''",
        "''",
        "''",
        "'2026-02-28T23:00:00.000Z'",
        "'2026-02-28T23:00:00.000Z'",
        "'2026-02-28T23:00:00.000Z'",
        "''",
        "''",
        "''",
      ],
    });
    // Parameter values are not documented as part of Athena's reuse key: no reuse with parameters.
    expect(start?.ResultReuseConfiguration).toBeUndefined();
    expect(start?.ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      undefined,
      'page-2',
      'page-3',
    ]);
    expect(clock.sleeps).toEqual([250, 500, 1000]);
  });

  it('resubmits a FAILED query that Athena marks retryable', async () => {
    // Prepare
    athena
      .on(StartQueryExecutionCommand)
      .resolvesOnce({ QueryExecutionId: 'q-1' })
      .resolves({ QueryExecutionId: 'q-2' });
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'q-1' }).resolves(
      execution('FAILED', {
        AthenaError: { ErrorCategory: 1, ErrorType: 1001, Retryable: true, ErrorMessage: 'internal error' },
      }),
    );
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'q-2' }).resolves(execution('SUCCEEDED'));
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });

    // Act
    const outcome = await engine().execute('daily_report', { day: '2026-03-01' });

    // Assess
    expect(outcome).toEqual({ status: 'succeeded', queryId: 'q-2', rows: [] });
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(2);
  });

  it('gives up on a retryable failure after maxRetries resubmissions', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(
      execution('FAILED', {
        AthenaError: { ErrorCategory: 1, Retryable: true, ErrorMessage: 'slow down' },
      }),
    );

    // Act
    const act = engine(fakeClock(), { maxRetries: 2 }).execute('daily_report', { day: '2026-03-01' });

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'AthenaQueryFailedError', retryable: true, category: 1 });
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(3);
  });

  it('fails at once on a FAILED query that is not retryable, naming category and reason', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(
      execution('FAILED', {
        AthenaError: {
          ErrorCategory: 2,
          ErrorType: 1006,
          Retryable: false,
          ErrorMessage: "TABLE_NOT_FOUND: Table 'config_monitor.compliance_events' does not exist",
        },
      }),
    );

    // Act
    const act = engine().execute('current_state', {});

    // Assess
    await expect(act).rejects.toThrow(
      /Athena query q-1 \(current_state\) failed: TABLE_NOT_FOUND.*\[category 2 user, type 1006, not retryable\]/,
    );
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  it('reports a CANCELLED query as an error', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolves(execution('CANCELLED', { StateChangeReason: 'Query cancelled by user' }));
    await expect(engine().execute('current_state', {})).rejects.toMatchObject({
      name: 'AthenaQueryCancelledError',
      message: 'Athena query q-1 was cancelled: Query cancelled by user',
    });
  });

  it('stops a query that runs past the deadline', async () => {
    // Prepare
    const clock = fakeClock();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});

    // Act
    const act = engine(clock, { deadlineMs: 10_000 }).execute('current_state', {});

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'AthenaQueryTimeoutError', queryId: 'q-1' });
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]?.args[0].input).toEqual({
      QueryExecutionId: 'q-1',
    });
    expect(clock.now() - Date.parse('2026-03-01T00:00:00Z')).toBe(10_000);
  });

  it('answers running when the wait is over, and poll picks the query up', async () => {
    // Prepare
    const clock = fakeClock();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    const athenaEngine = engine(clock);

    // Act
    const first = await athenaEngine.execute('current_state', {}, { waitMs: 1_000 });
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] },
        Rows: [row('n'), row('7')],
      },
    });
    const second = await athenaEngine.poll('q-1', { waitMs: 1_000 });

    // Assess
    expect(first).toEqual({ status: 'running', queryId: 'q-1' });
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(1_000);
    expect(second).toEqual({ status: 'succeeded', queryId: 'q-1', rows: [{ n: 7 }] });
  });

  it('retries throttled calls with backoff, then gives up with a clear error', async () => {
    // Prepare
    const throttled = () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
    const clock = fakeClock();
    athena
      .on(StartQueryExecutionCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).rejectsOnce(throttled()).resolves(execution('SUCCEEDED'));
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });

    // Act
    const outcome = await engine(clock).execute('current_state', {});
    athena.on(StartQueryExecutionCommand).rejects(throttled());
    const exhausted = engine(fakeClock(), { throttleAttempts: 3 }).execute('current_state', {});

    // Assess
    expect(outcome.status).toBe('succeeded');
    expect(athena.commandCalls(StartQueryExecutionCommand).length).toBeGreaterThanOrEqual(3);
    expect(clock.sleeps).toHaveLength(3);
    await expect(exhausted).rejects.toMatchObject({
      name: 'AthenaThrottledError',
      message: 'Athena StartQueryExecution was throttled (TooManyRequestsException) 3 times; giving up',
    });
  });

  it('maps an unknown query id to UnknownQueryIdError', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .rejects(new InvalidRequestException({ message: 'QueryExecution q-9 was not found', $metadata: {} }));
    await expect(engine().poll('q-9')).rejects.toMatchObject({ name: 'UnknownQueryIdError', queryId: 'q-9' });
  });

  it('validates named parameters before calling Athena', async () => {
    await expect(engine().execute('daily_report', { day: '2026-03-01', account: 'x' })).rejects.toThrow(
      /parameter "account" is unknown/,
    );
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });
});

describe('toExecutionParameter', () => {
  it.each([
    ["it's", "'it''s'"],
    ["x' or '1'='1", "'x'' or ''1''=''1'"],
    ["'); drop table compliance_events; --", "'''); drop table compliance_events; --'"],
    ['back\\slash', "'back\\slash'"],
    ['', "''"],
    [42, '42'],
    [-1.5, '-1.5'],
    [1e21, '1E+21'],
    [null, 'NULL'],
  ] as const)('%j → %s', (value, literal) => {
    expect(toExecutionParameter(value)).toBe(literal);
  });

  it('rejects what Athena cannot take', () => {
    expect(() => toExecutionParameter("'".repeat(600), 2)).toThrow(
      'execution parameter 3: 1202 characters as a quoted literal; Athena allows 1024',
    );
    expect(() => toExecutionParameter(Number.NaN)).toThrow(/not a finite number/);
  });
});

describe('convertAthenaValue', () => {
  it.each([
    ['12', 'bigint', 12],
    ['12', 'integer', 12],
    ['1.5', 'double', 1.5],
    ['66.67', 'decimal(5,2)', 66.67],
    ['true', 'boolean', true],
    ['2026-03-01 10:00:00.1', 'timestamp', '2026-03-01T10:00:00.100Z'],
    ['2026-03-01 10:00:00.123456', 'timestamp(6)', '2026-03-01T10:00:00.123Z'],
    ['2026-03-01 10:00:00.123 UTC', 'timestamp with time zone', '2026-03-01T10:00:00.123Z'],
    ['2026-03-01', 'date', '2026-03-01'],
    ['NON_COMPLIANT', 'varchar', 'NON_COMPLIANT'],
    [undefined, 'bigint', null],
  ] as const)('%s as %s → %j', (value, type, expected) => {
    expect(convertAthenaValue(value, type)).toBe(expected);
  });
});

describe('AthenaQueryEngine.materializeDailyState', () => {
  it('builds each day from the one before: key state, then daily state, by INSERT INTO without result reuse', async () => {
    // Prepare: the day before the first day has no complete key-state build (an empty result).
    let id = 0;
    athena.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q-${++id}` }));
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: [
            { Name: 'built_at', Type: 'timestamp' },
            { Name: 'build_rows', Type: 'bigint' },
          ],
        },
        Rows: [row('built_at', 'build_rows')],
      },
    });

    // Act
    const outcome = await engine().materializeDailyState(['2026-03-02', '2026-03-01', '2026-03-02']);

    // Assess
    expect(outcome.built).toEqual(['2026-03-01', '2026-03-02']);
    const starts = athena.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input);
    expect(starts.map((s) => s.QueryString?.split('\n')[0])).toEqual([
      expect.stringMatching(/^with$/),
      expect.stringMatching(/^insert into compliance_key_state \(/),
      expect.stringMatching(/^insert into compliance_daily_state \(/),
      expect.stringMatching(/^insert into compliance_key_state \(/),
      expect.stringMatching(/^insert into compliance_daily_state \(/),
    ]);
    expect(starts[0]?.QueryString).toBe(athenaQueryText(getSavedQuery('key_state_build').sql));
    const keyInsert = `insert into compliance_key_state (${[...COMPLIANCE_KEY_STATE_COLUMNS.map((c) => c.name), 'dt'].join(', ')})`;
    expect(starts[1]?.QueryString).toBe(athenaQueryText(`${keyInsert}\n${getSavedQuery('key_state').sql}`));
    const dailyInsert = `insert into compliance_daily_state (${[...COMPLIANCE_DAILY_STATE_COLUMNS.map((c) => c.name), 'dt'].join(', ')})`;
    expect(starts[2]?.QueryString).toBe(
      athenaQueryText(`${dailyInsert}\n${getSavedQuery('daily_state').sql}`),
    );
    expect(starts.map((s) => s.ExecutionParameters)).toEqual([
      ["'2026-02-28'"],
      // No previous state: the first day reads the history once (the sentinel), the second its day.
      ["'2026-02-28'", "'0000-01-01'", "'2026-03-01'", "'2026-03-01'"],
      ["'2026-03-01'", "'2026-03-01'", "'2026-03-01'"],
      ["'2026-03-01'", "'2026-03-02'", "'2026-03-02'", "'2026-03-02'"],
      ["'2026-03-02'", "'2026-03-02'", "'2026-03-02'"],
    ]);
    for (const start of starts) expect(start.ResultReuseConfiguration).toBeUndefined();
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(1);
  });

  it('starts from the day before when it has a complete build, reading one day of events', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: [
            { Name: 'built_at', Type: 'timestamp' },
            { Name: 'build_rows', Type: 'bigint' },
          ],
        },
        Rows: [row('built_at', 'build_rows'), row('2026-03-01 07:00:00.000', '1200')],
      },
    });

    // Act
    await engine().materializeDailyState(['2026-03-02']);

    // Assess
    const starts = athena.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input);
    expect(starts[1]?.ExecutionParameters).toEqual([
      "'2026-03-01'",
      "'2026-03-02'",
      "'2026-03-02'",
      "'2026-03-02'",
    ]);
  });

  it('sends no -- comment line: the headers hold ; and quotes', () => {
    for (const name of ['daily_state', 'key_state', 'compliance_summary']) {
      const text = athenaQueryText(getSavedQuery(name).sql);
      expect(text).not.toMatch(/^\s*--/m);
      expect(text).not.toContain(';');
      expect(text.startsWith('with')).toBe(true);
    }
  });

  it('stops a statement still running at stopBy, before its own deadline', async () => {
    // Prepare: submitted at the clock's start, stopBy 5 s later, its own deadline 300 s.
    const clock = fakeClock();
    const start = clock.now();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});

    // Act + Assess
    await expect(
      engine(clock, { stopBy: () => start + 5_000 }).execute('daily_top_rules', { day: '2026-03-01' }),
    ).rejects.toThrow(AthenaQueryTimeoutError);
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
    expect(clock.now() - start).toBeLessThanOrEqual(5_000);
  });

  it('never sends result reuse with execution parameters (values are not documented as part of the reuse key)', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });

    // Act
    await engine().execute('daily_top_rules', { day: '2026-03-01' });
    await engine().execute('compliance_summary', { account: '111111111111' });
    await engine().execute('compliance_summary', { account: '222222222222' });

    // Assess
    const starts = athena.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input);
    expect(starts).toHaveLength(3);
    for (const start of starts) {
      expect(start.ExecutionParameters?.length).toBeGreaterThan(0);
      expect(start.ResultReuseConfiguration).toBeUndefined();
    }
  });
});
