/**
 * The AWS query engine: a saved query's text runs on Athena in a workgroup, its values passed as
 * `ExecutionParameters` (never concatenated into the SQL); query result reuse only for a statement
 * without parameters (see {@link AthenaQueryEngine} `#start`).
 *
 * Lifecycle: StartQueryExecution → GetQueryExecution polled with capped exponential backoff while
 * QUEUED / RUNNING → SUCCEEDED: GetQueryResults paged, typed from `ResultSetMetadata.ColumnInfo`;
 * FAILED: `AthenaError` (category, type, Retryable) → a retryable failure is resubmitted up to
 * `maxRetries` times; CANCELLED: an error. A query still running at the deadline (measured from
 * its submission) is stopped with StopQueryExecution. With `waitMs`, the engine answers
 * `{ status: 'running' }` when the wait is over (the API's 202) and `poll(queryId)` resumes;
 * polling is stateless, so any Lambda invocation can poll any query. TooManyRequestsException on
 * any call is retried with exponential backoff and jitter.
 *
 * Why one file: one protocol, the lifecycle above from StartQueryExecution to the paged, typed
 * results; the value conversions are the last step of it.
 */
import { randomUUID } from 'node:crypto';
import {
  AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  type Row,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  COMPLIANCE_DAILY_STATE_COLUMNS,
  COMPLIANCE_DAILY_STATE_TABLE,
  COMPLIANCE_KEY_STATE_COLUMNS,
  COMPLIANCE_KEY_STATE_TABLE,
  KEY_STATE_FROM_HISTORY,
  PARTITION_COLUMN,
  previousUtcDay,
} from '../../domain/archive-schema.js';
import { backoffDelay } from '../../domain/backoff.js';
import type {
  ExecuteOptions,
  MaterializeOutcome,
  QueryEngine,
  QueryOutcome,
  QueryParameters,
  QueryParameterValue,
  QueryRow,
} from '../../ports/query-engine.js';
import { bindParameters, getSavedQuery } from '../../queries/saved-queries.js';
import {
  AthenaParameterError,
  AthenaQueryCancelledError,
  AthenaQueryFailedError,
  AthenaQueryTimeoutError,
  AthenaThrottledError,
  UnknownQueryIdError,
} from './errors.js';

export interface AthenaQueryEngineOptions {
  /** The workgroup (its output location, encryption and limits apply). */
  readonly workgroup: string;
  /** Glue database of `compliance_events`. @default - the workgroup's default database */
  readonly database?: string;
  /** @default - AwsDataCatalog */
  readonly catalog?: string;
  /** @default - a client with the default credential chain and region */
  readonly client?: AthenaClient;
  /** @default - {@link defaultQueriesDir} */
  readonly queriesDir?: string;
  /** Longest a query may run before it is stopped, from its submission. @default 300_000 (5 minutes) */
  readonly deadlineMs?: number;
  /**
   * The time (epoch ms, asked at each poll) by which every statement must be finished: a statement
   * still running then is stopped, whatever its own deadline. The report Lambda sets it a minute
   * before its own timeout, so that a run never dies with statements still running in Athena and
   * its retry never builds beside them.
   * @default - no limit beyond {@link deadlineMs}
   */
  readonly stopBy?: () => number;
  /**
   * Reuse a result of the same query text up to this age, for statements without execution
   * parameters only (parameter values are not documented as part of the reuse key); 0 disables.
   * @default 15
   */
  readonly resultReuseMaxAgeMinutes?: number;
  /** Resubmissions of a FAILED query that Athena marks Retryable. @default 2 */
  readonly maxRetries?: number;
  /** First poll delay; doubles up to {@link pollMaxMs}. @default 250 */
  readonly pollInitialMs?: number;
  /** @default 2_000 */
  readonly pollMaxMs?: number;
  /** Attempts of one API call answered TooManyRequestsException. @default 6 */
  readonly throttleAttempts?: number;
  /** First throttling backoff, doubled per attempt, with full jitter. @default 200 */
  readonly throttleBaseMs?: number;
  /** Test seams. @default - real time */
  readonly clock?: { now(): number; sleep(ms: number): Promise<void> };
}

const realClock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/** Saved queries that read a rollup (see {@link AthenaQueryEngine.materializeDailyState}). */
const READS_DAILY_STATE = new RegExp(
  `\\bfrom\\s+(${COMPLIANCE_DAILY_STATE_TABLE}|${COMPLIANCE_KEY_STATE_TABLE})\\b`,
);

/** `INSERT INTO table (columns…, dt)` over a saved query's text (INSERT INTO matches by position). */
function insertInto(table: string, columns: readonly { readonly name: string }[], sql: string): string {
  const names = [...columns.map((c) => c.name), PARTITION_COLUMN.name];
  return `insert into ${table} (${names.join(', ')})\n${sql}`;
}

/**
 * The text sent to StartQueryExecution: the saved query without its `--` comment lines. The
 * headers' free text holds `;` and quotes, which Athena would have to take as part of a comment;
 * a statement without them is one statement whatever the parser. Only whole comment lines are
 * removed (the saved queries have no comment after code on a line, and no string spans lines).
 */
export function athenaQueryText(sql: string): string {
  return sql
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n')
    .trim();
}

/** Athena's limit on one execution parameter, in characters. */
const MAX_PARAMETER_LENGTH = 1024;

/**
 * One value as an Athena execution parameter. Athena substitutes each parameter into the query as
 * SQL literal text, so strings must be quoted: single quotes, with any quote inside doubled
 * (`it's` → `'it''s'`; Trino has no backslash escapes, so nothing else needs escaping). Numbers
 * are their decimal text (an exponent as `E`), NULL is `NULL`. A value can therefore never change
 * the query's structure: it is always exactly one literal.
 */
export function toExecutionParameter(value: QueryParameterValue, position = 0): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new AthenaParameterError(position, `${value} is not a finite number`);
    return String(value).toUpperCase();
  }
  const literal = `'${value.replaceAll("'", "''")}'`;
  if (literal.length > MAX_PARAMETER_LENGTH) {
    throw new AthenaParameterError(
      position,
      `${literal.length} characters as a quoted literal; Athena allows ${MAX_PARAMETER_LENGTH}`,
    );
  }
  return literal;
}

/** {@link QueryEngine} on Amazon Athena. */
export class AthenaQueryEngine implements QueryEngine {
  readonly name = 'athena' as const;
  readonly #client: AthenaClient;
  readonly #options: AthenaQueryEngineOptions;
  readonly #clock: { now(): number; sleep(ms: number): Promise<void> };
  readonly #deadlineMs: number;

  constructor(options: AthenaQueryEngineOptions) {
    this.#options = options;
    this.#client = options.client ?? new AthenaClient({});
    this.#clock = options.clock ?? realClock;
    this.#deadlineMs = options.deadlineMs ?? 300_000;
  }

  async execute(name: string, params: QueryParameters, options: ExecuteOptions = {}): Promise<QueryOutcome> {
    const query = getSavedQuery(name, this.#options.queriesDir);
    const parameters = bindParameters(query, params).map(toExecutionParameter);
    const waitUntil =
      options.waitMs === undefined ? Number.POSITIVE_INFINITY : this.#clock.now() + options.waitMs;
    // A rebuild of compliance_daily_state changes the answer of the same text and parameters:
    // never reuse the result of a query that reads it.
    const reuse = !READS_DAILY_STATE.test(query.sql);
    return this.#run(query.sql, parameters, waitUntil, name, { reuse, rows: true });
  }

  /**
   * Builds the rollup partitions of each day, oldest first: `compliance_key_state` (the per-key
   * state, from the saved query `key_state`), then `compliance_daily_state` (from `daily_state`,
   * which reads it), each with `INSERT INTO <table> (…) <saved query text>` and the day as
   * execution parameters. INSERT INTO, not UNLOAD: UNLOAD wants an empty target location (or
   * writes new partitions only) and its `TO 's3://…'` would put the bucket into the query text;
   * INSERT INTO writes Parquet under the table's location for `dt=<day>/`, which is the
   * `storage.location.template` of the partition-projected Glue table, so the rows are readable at
   * once ([INSERT INTO](https://docs.aws.amazon.com/athena/latest/ug/insert-into.html),
   * [UNLOAD](https://docs.aws.amazon.com/athena/latest/ug/unload.html)).
   *
   * Cost. The key state of day D is built from the complete key state of D - 1 and the events of
   * D alone, so a build reads one day of events and one day of state however long the archive
   * (`bench:queries` measures it at 1× and 10× the history). Only when D - 1 has no complete build
   * (the first report, or after days without one; checked with the saved query
   * `key_state_build`) does it read the whole history, once. Days are built in order, each from the
   * one before.
   *
   * Staleness and retries. INSERT INTO only appends, and Athena cannot tell whether a partition is
   * stale (events may have landed since it was built), so every day given is rebuilt: a new build,
   * with a later `built_at`, which readers take instead of the earlier ones. Every build writes
   * its row count (`build_rows`) and readers only take a build with that many rows, so a failed
   * INSERT that left part of its files behind is never read, and a retried or repeated build is
   * harmless (at-least-once). Query result reuse is off for all these statements.
   */
  async materializeDailyState(days: readonly string[]): Promise<MaterializeOutcome> {
    const keyQuery = getSavedQuery('key_state', this.#options.queriesDir);
    const dailyQuery = getSavedQuery('daily_state', this.#options.queriesDir);
    const keySql = insertInto(COMPLIANCE_KEY_STATE_TABLE, COMPLIANCE_KEY_STATE_COLUMNS, keyQuery.sql);
    const dailySql = insertInto(COMPLIANCE_DAILY_STATE_TABLE, COMPLIANCE_DAILY_STATE_COLUMNS, dailyQuery.sql);
    const built = [...new Set(days)].sort();
    const noRows = { reuse: false, rows: false } as const;
    let last: string | undefined;
    for (const day of built) {
      const previousDay = previousUtcDay(day);
      const fromPrevious = last === previousDay || (await this.#hasKeyState(previousDay));
      const since = fromPrevious ? day : KEY_STATE_FROM_HISTORY;
      const keyParameters = bindParameters(keyQuery, { previous_day: previousDay, since, day });
      await this.#run(keySql, keyParameters.map(toExecutionParameter), Infinity, keyQuery.name, noRows);
      const dailyParameters = bindParameters(dailyQuery, { day });
      await this.#run(dailySql, dailyParameters.map(toExecutionParameter), Infinity, dailyQuery.name, noRows);
      last = day;
    }
    return { built };
  }

  /** Whether `compliance_key_state` of `day` has a complete build (saved query `key_state_build`). */
  async #hasKeyState(day: string): Promise<boolean> {
    const query = getSavedQuery('key_state_build', this.#options.queriesDir);
    const parameters = bindParameters(query, { day }).map(toExecutionParameter);
    const outcome = await this.#run(query.sql, parameters, Infinity, query.name, {
      reuse: false,
      rows: true,
    });
    return outcome.status === 'succeeded' && outcome.rows.length > 0;
  }

  /** Starts a statement and waits for it, resubmitting a FAILED one that Athena marks Retryable. */
  async #run(
    sql: string,
    parameters: readonly string[],
    waitUntil: number,
    name: string,
    options: { readonly reuse: boolean; readonly rows: boolean },
  ): Promise<QueryOutcome> {
    const maxRetries = this.#options.maxRetries ?? 2;
    for (let attempt = 0; ; attempt++) {
      const queryId = await this.#start(sql, parameters, options.reuse);
      try {
        return await this.#await(queryId, waitUntil, name, options.rows);
      } catch (err) {
        if (!(err instanceof AthenaQueryFailedError) || !err.retryable || attempt >= maxRetries) throw err;
        if (this.#clock.now() >= waitUntil) throw err;
        await this.#clock.sleep(this.#backoff(attempt, this.#options.pollMaxMs ?? 2_000));
      }
    }
  }

  async poll(queryId: string, options: ExecuteOptions = {}): Promise<QueryOutcome> {
    const waitUntil =
      options.waitMs === undefined ? Number.POSITIVE_INFINITY : this.#clock.now() + options.waitMs;
    try {
      return await this.#await(queryId, waitUntil, undefined);
    } catch (err) {
      // An id Athena no longer knows can surface from any call on it, not only GetQueryExecution.
      const error = err as Error;
      if (error.name === 'InvalidRequestException' && /QueryExecution/i.test(error.message)) {
        throw new UnknownQueryIdError(queryId, err);
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    if (!this.#options.client) this.#client.destroy();
  }

  async #start(sql: string, parameters: readonly string[], reuse = true): Promise<string> {
    const reuseMinutes = reuse ? (this.#options.resultReuseMaxAgeMinutes ?? 15) : 0;
    const output = await this.#call('StartQueryExecution', () =>
      this.#client.send(
        new StartQueryExecutionCommand({
          QueryString: athenaQueryText(sql),
          WorkGroup: this.#options.workgroup,
          ...(this.#options.database || this.#options.catalog
            ? {
                QueryExecutionContext: {
                  ...(this.#options.database ? { Database: this.#options.database } : {}),
                  ...(this.#options.catalog ? { Catalog: this.#options.catalog } : {}),
                },
              }
            : {}),
          // Athena rejects an empty list: omit it for queries without parameters.
          ...(parameters.length > 0 ? { ExecutionParameters: [...parameters] } : {}),
          // Result reuse only for a statement without parameters. Athena reuses a result when the
          // query text, database, catalog and result configuration match; it does not document
          // that execution parameter values are part of that key
          // (https://docs.aws.amazon.com/athena/latest/ug/reusing-query-results.html), so a
          // parameterized query with reuse could answer one account's figures for another. No
          // ResultReuseConfiguration is sent with ExecutionParameters: reuse stays off.
          ...(parameters.length > 0
            ? {}
            : {
                ResultReuseConfiguration: {
                  ResultReuseByAgeConfiguration:
                    reuseMinutes > 0 ? { Enabled: true, MaxAgeInMinutes: reuseMinutes } : { Enabled: false },
                },
              }),
          // Idempotent start: an SDK retry of this very call cannot start a second execution.
          ClientRequestToken: randomUUID(),
        }),
      ),
    );
    if (!output.QueryExecutionId)
      throw new AthenaQueryFailedError(
        '?',
        undefined,
        undefined,
        undefined,
        false,
        'no QueryExecutionId returned',
      );
    return output.QueryExecutionId;
  }

  /** Polls until a terminal state, `waitUntil` (→ running) or the deadline (→ stopped). */
  async #await(
    queryId: string,
    waitUntil: number,
    queryName: string | undefined,
    fetchRows = true,
  ): Promise<QueryOutcome> {
    let delay = this.#options.pollInitialMs ?? 250;
    const pollMax = this.#options.pollMaxMs ?? 2_000;
    for (;;) {
      const execution = await this.#describe(queryId);
      const status = execution.Status;
      switch (status?.State) {
        case 'SUCCEEDED':
          return { status: 'succeeded', queryId, rows: fetchRows ? await this.#results(queryId) : [] };
        case 'FAILED': {
          const error = status.AthenaError;
          throw new AthenaQueryFailedError(
            queryId,
            queryName,
            error?.ErrorCategory,
            error?.ErrorType,
            error?.Retryable === true,
            error?.ErrorMessage ?? status.StateChangeReason ?? 'no reason given',
          );
        }
        case 'CANCELLED':
          throw new AthenaQueryCancelledError(queryId, status.StateChangeReason);
        default: {
          const now = this.#clock.now();
          const submitted = status?.SubmissionDateTime?.getTime() ?? now;
          const deadline = Math.min(submitted + this.#deadlineMs, this.#options.stopBy?.() ?? Infinity);
          if (now >= deadline) {
            await this.#call('StopQueryExecution', () =>
              this.#client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId })),
            );
            throw new AthenaQueryTimeoutError(queryId, Math.max(0, deadline - submitted));
          }
          if (now >= waitUntil) return { status: 'running', queryId };
          await this.#clock.sleep(Math.max(0, Math.min(delay, waitUntil - now, deadline - now)));
          delay = Math.min(delay * 2, pollMax);
        }
      }
    }
  }

  async #describe(queryId: string): Promise<QueryExecution> {
    try {
      const output = await this.#call('GetQueryExecution', () =>
        this.#client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId })),
      );
      return output.QueryExecution ?? {};
    } catch (err) {
      if ((err as Error).name === 'InvalidRequestException') throw new UnknownQueryIdError(queryId, err);
      throw err;
    }
  }

  /** Every page of the result, header row skipped, values typed by the column metadata. */
  async #results(queryId: string): Promise<QueryRow[]> {
    const rows: QueryRow[] = [];
    let columns: ColumnInfo[] | undefined;
    let nextToken: string | undefined;
    let first = true;
    do {
      const token = nextToken;
      const page = await this.#call('GetQueryResults', () =>
        this.#client.send(
          new GetQueryResultsCommand({ QueryExecutionId: queryId, MaxResults: 1000, NextToken: token }),
        ),
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      let pageRows: Row[] = page.ResultSet?.Rows ?? [];
      // For SELECT, the first row of the first page repeats the column names.
      if (first && pageRows.length > 0 && isHeader(pageRows[0] as Row, columns)) pageRows = pageRows.slice(1);
      first = false;
      for (const row of pageRows) rows.push(toQueryRow(row, columns));
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }

  /** One API call, retried with exponential backoff and full jitter while Athena throttles. */
  async #call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    const attempts = this.#options.throttleAttempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (err) {
        if (!isThrottling(err)) throw err;
        if (attempt >= attempts) throw new AthenaThrottledError(operation, attempt, err);
        await this.#clock.sleep(this.#backoff(attempt - 1, 10_000));
      }
    }
  }

  #backoff(attempt: number, cap: number): number {
    return backoffDelay(attempt + 1, { baseMs: this.#options.throttleBaseMs ?? 200, capMs: cap });
  }
}

function isThrottling(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return name === 'TooManyRequestsException' || name === 'ThrottlingException';
}

function isHeader(row: Row, columns: readonly ColumnInfo[]): boolean {
  const data = row.Data ?? [];
  return data.length === columns.length && data.every((d, i) => d.VarCharValue === columns[i]?.Name);
}

function toQueryRow(row: Row, columns: readonly ColumnInfo[]): QueryRow {
  const out: QueryRow = {};
  columns.forEach((column, i) => {
    out[column.Name ?? `_col${i}`] = convertAthenaValue(
      row.Data?.[i]?.VarCharValue,
      column.Type ?? 'varchar',
    );
  });
  return out;
}

/**
 * One Athena result value (always text; absent means NULL) as the port's value: integer and
 * decimal types → number, boolean → boolean, timestamp → ISO `…Z` (Athena's session zone is UTC),
 * date and everything else → the text.
 */
export function convertAthenaValue(text: string | undefined, type: string): string | number | boolean | null {
  if (text === undefined) return null;
  const base = type.toLowerCase().replace(/\(.*$/, '').trim();
  switch (base) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
    case 'bigint':
    case 'double':
    case 'real':
    case 'float':
    case 'decimal': {
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case 'boolean':
      return text === 'true';
    case 'timestamp':
    case 'timestamp with time zone':
      return isoTimestamp(text) ?? text;
    default:
      return text;
  }
}

/** `2026-03-01 10:00:00.123[ UTC]` → `2026-03-01T10:00:00.123Z`; null for other zones or shapes. */
function isoTimestamp(text: string): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?: (UTC|Z|\+00:00))?$/.exec(text.trim());
  if (!m) return null;
  const millis = (m[3] ?? '').padEnd(3, '0').slice(0, 3);
  return `${m[1]}T${m[2]}.${millis}Z`;
}
