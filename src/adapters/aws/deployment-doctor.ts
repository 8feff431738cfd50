/**
 * `config-monitor doctor`: checks a deployed master stack for what no local test can show. Each
 * check returns a verdict (PASS, WARN, FAIL, SKIP), what it saw and, unless it passed, the fix.
 * The SDK clients are injected, so the checks are tested against aws-sdk-client-mock.
 *
 * Checks: the Lambda concurrency quota; Athena accepts every saved query's text and parameters;
 * result reuse never crosses parameter values; a rollup day can be built twice (the report
 * function invoked twice for yesterday); the bus dead-letter queue is empty (events with a long
 * resource id that missed the stream land there).
 */
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  type CloudFormationClient,
  DescribeStacksCommand,
  paginateListStackResources,
} from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { yesterdayUtc } from '../../domain/archive-schema.js';
import type { QueryParameters } from '../../ports/query-engine.js';
import { bindParameters, type SavedQuery, type SavedQueryParameter } from '../../queries/saved-queries.js';
import { toExecutionParameter } from '../athena/athena.query-engine.js';

export type Verdict = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';

export interface CheckResult {
  readonly name: string;
  readonly verdict: Verdict;
  readonly detail: string;
  /** What to do, for WARN and FAIL. */
  readonly fix?: string;
}

export interface DoctorClients {
  readonly cloudFormation: CloudFormationClient;
  readonly lambda: LambdaClient;
  readonly athena: AthenaClient;
  readonly sqs: SQSClient;
}

export interface DoctorOptions {
  readonly stage: string;
  readonly queries: readonly SavedQuery[];
  /** Skip invoking the report function (it posts yesterday's report twice). */
  readonly skipReport?: boolean;
  readonly now?: Date;
  /** Poll delay for Athena. @default 1000 */
  readonly pollMs?: number;
  /** Longest wait for one Athena query. @default 300_000 */
  readonly queryTimeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The master stack name of a stage, as infra/app-builder.ts `masterStackName` (a test keeps them equal). */
export function masterStackName(stage: string): string {
  return `ConfigMonitor-${stage}-Master`;
}

export const CONCURRENCY_DOC = 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html';
export const REQUIRED_CONCURRENCY = 100;
export const RECOMMENDED_CONCURRENCY = 1000;

const SAMPLE_ACCOUNTS = ['111111111111', '222222222222'] as const;

/** The resources the checks need, from the stack's outputs and resources. */
export interface StackFacts {
  readonly workgroup: string;
  readonly database: string;
  readonly reportFunction?: string;
  /** Queue URL by logical id, for every SQS queue of the stack. */
  readonly queues: ReadonlyMap<string, string>;
}

export async function readStack(cfn: CloudFormationClient, stage: string): Promise<StackFacts> {
  const stackName = masterStackName(stage);
  const described = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = new Map(
    (described.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
  );
  let reportFunction: string | undefined;
  const queues = new Map<string, string>();
  // ListStackResources pages; DescribeStackResources stops at 100 resources.
  for await (const page of paginateListStackResources({ client: cfn }, { StackName: stackName })) {
    for (const r of page.StackResourceSummaries ?? []) {
      const id = r.LogicalResourceId ?? '';
      if (!r.PhysicalResourceId) continue;
      if (r.ResourceType === 'AWS::Lambda::Function' && /^ReportingFunction[0-9A-F]{8}$/.test(id)) {
        reportFunction = r.PhysicalResourceId;
      }
      if (r.ResourceType === 'AWS::SQS::Queue') queues.set(id, r.PhysicalResourceId);
    }
  }
  return {
    workgroup: outputs.get('AthenaWorkGroup') || `config-monitor-${stage}`,
    database: outputs.get('GlueDatabase') || `config_monitor_${stage}`,
    ...(reportFunction ? { reportFunction } : {}),
    queues,
  };
}

/** (a) The account's Lambda concurrency quota. */
export async function checkConcurrency(lambda: LambdaClient): Promise<CheckResult> {
  const name = 'Lambda concurrency quota';
  const out = await lambda.send(new GetAccountSettingsCommand({}));
  const limit = out.AccountLimit?.ConcurrentExecutions;
  const fix = `request a Lambda "Concurrent executions" quota of ${RECOMMENDED_CONCURRENCY} in Service Quotas for this region (${CONCURRENCY_DOC})`;
  if (limit === undefined)
    return { name, verdict: 'FAIL', detail: 'no AccountLimit.ConcurrentExecutions', fix };
  if (limit < REQUIRED_CONCURRENCY) {
    return { name, verdict: 'FAIL', detail: `ConcurrentExecutions ${limit} < ${REQUIRED_CONCURRENCY}`, fix };
  }
  if (limit < RECOMMENDED_CONCURRENCY) {
    return {
      name,
      verdict: 'WARN',
      detail: `ConcurrentExecutions ${limit}; ${RECOMMENDED_CONCURRENCY} recommended`,
      fix,
    };
  }
  return { name, verdict: 'PASS', detail: `ConcurrentExecutions ${limit}` };
}

/** A valid sample value of a parameter, by type and name. */
export function sampleValue(p: SavedQueryParameter, now: Date): string | number {
  switch (p.type) {
    case 'date':
      return yesterdayUtc(now);
    case 'timestamp':
      return p.name.startsWith('start') ? `${yesterdayUtc(now)}T00:00:00Z` : now.toISOString();
    case 'bigint':
    case 'double':
      return 10;
    case 'varchar':
      if (p.name.includes('account')) return SAMPLE_ACCOUNTS[0];
      if (p.name.includes('region')) return 'us-east-1';
      if (p.name.includes('status')) return 'NON_COMPLIANT';
      return 'config-monitor-doctor';
  }
}

function sampleParameters(query: SavedQuery, now: Date): QueryParameters {
  return Object.fromEntries(query.parameters.map((p) => [p.name, sampleValue(p, now)]));
}

class AthenaRunner {
  constructor(
    private readonly athena: AthenaClient,
    private readonly facts: StackFacts,
    private readonly options: DoctorOptions,
  ) {}

  async run(query: SavedQuery, params: QueryParameters, reuse: boolean): Promise<QueryExecution> {
    const parameters = bindParameters(query, params).map(toExecutionParameter);
    const started = await this.athena.send(
      new StartQueryExecutionCommand({
        QueryString: query.sql,
        WorkGroup: this.facts.workgroup,
        QueryExecutionContext: { Database: this.facts.database },
        ...(parameters.length > 0 ? { ExecutionParameters: parameters } : {}),
        ResultReuseConfiguration: {
          ResultReuseByAgeConfiguration: reuse ? { Enabled: true, MaxAgeInMinutes: 15 } : { Enabled: false },
        },
      }),
    );
    const id = started.QueryExecutionId ?? '';
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const deadline = Date.now() + (this.options.queryTimeoutMs ?? 300_000);
    for (;;) {
      const out = await this.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const execution = out.QueryExecution ?? {};
      const state = execution.Status?.State;
      if (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED') return execution;
      if (Date.now() > deadline) return { ...execution, QueryExecutionId: id };
      await sleep(this.options.pollMs ?? 1000);
    }
  }
}

function failure(execution: QueryExecution): string {
  const s = execution.Status;
  return `${execution.QueryExecutionId ?? '?'} ${s?.State ?? 'not finished'}: ${s?.AthenaError?.ErrorMessage ?? s?.StateChangeReason ?? 'no reason given'}`;
}

/** (b) Every saved query runs with sample values for all its parameters, and with the optional ones omitted. */
export async function checkSavedQueries(runner: AthenaRunner, options: DoctorOptions): Promise<CheckResult> {
  const name = 'Athena accepts the saved queries';
  const now = options.now ?? new Date();
  const failed: string[] = [];
  let runs = 0;
  for (const query of options.queries) {
    const full = sampleParameters(query, now);
    const required = Object.fromEntries(
      query.parameters.filter((p) => !p.optional).map((p) => [p.name, full[p.name] as string | number]),
    );
    const variants = query.parameters.some((p) => p.optional) ? [full, required] : [full];
    for (const params of variants) {
      runs++;
      const execution = await runner.run(query, params, false);
      if (execution.Status?.State !== 'SUCCEEDED')
        failed.push(`${query.name} ${JSON.stringify(params)}: ${failure(execution)}`);
    }
  }
  if (failed.length > 0) {
    return {
      name,
      verdict: 'FAIL',
      detail: failed.join('\n'),
      fix: 'fix the query text or the parameter binding (src/queries/saved-queries.ts, src/adapters/athena/athena.query-engine.ts); reproduce with "config-monitor query NAME --engine athena --workgroup W --param …"',
    };
  }
  return {
    name,
    verdict: 'PASS',
    detail: `${runs} executions of ${options.queries.length} queries SUCCEEDED`,
  };
}

/** (c) compliance_score for two accounts with reuse on: the second must not reuse the first's result. */
export async function checkReuse(runner: AthenaRunner, options: DoctorOptions): Promise<CheckResult> {
  const name = 'Result reuse does not cross parameter values';
  const query = options.queries.find((q) => q.name === 'compliance_score');
  if (!query) return { name, verdict: 'SKIP', detail: 'no saved query compliance_score' };
  const executions: QueryExecution[] = [];
  for (const account of SAMPLE_ACCOUNTS) executions.push(await runner.run(query, { account }, true));
  const bad = executions.find((e) => e.Status?.State !== 'SUCCEEDED');
  if (bad) return { name, verdict: 'FAIL', detail: failure(bad), fix: 'see the saved-query check' };
  const second = executions[1] as QueryExecution;
  if (second.Statistics?.ResultReuseInformation?.ReusedPreviousResult === true) {
    return {
      name,
      verdict: 'FAIL',
      detail: `${second.QueryExecutionId} (account ${SAMPLE_ACCOUNTS[1]}) reused the result of account ${SAMPLE_ACCOUNTS[0]}`,
      fix: 'turn result reuse off for parameterized queries, or put the values into the compared query text (src/adapters/athena/athena.query-engine.ts)',
    };
  }
  return { name, verdict: 'PASS', detail: `${second.QueryExecutionId} did not reuse a previous result` };
}

/** (d) The report function, invoked twice for yesterday, succeeds twice (the rollup day is built twice). */
export async function checkRollupTwice(
  lambda: LambdaClient,
  facts: StackFacts,
  options: DoctorOptions,
): Promise<CheckResult> {
  const name = 'A rollup day can be built twice';
  if (options.skipReport) return { name, verdict: 'SKIP', detail: '--skip-report given' };
  if (!facts.reportFunction) {
    return {
      name,
      verdict: 'FAIL',
      detail: 'no report function (ReportingFunction…) in the stack',
      fix: 'deploy the master stack (npx cdk deploy)',
    };
  }
  const day = yesterdayUtc(options.now ?? new Date());
  for (const attempt of [1, 2]) {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: facts.reportFunction,
        Payload: new TextEncoder().encode(JSON.stringify({ date: day })),
      }),
    );
    if (out.FunctionError || (out.StatusCode ?? 0) >= 300) {
      const payload = out.Payload ? new TextDecoder().decode(out.Payload) : '';
      return {
        name,
        verdict: 'FAIL',
        detail: `invocation ${attempt} for ${day}: ${out.FunctionError ?? out.StatusCode} ${payload.slice(0, 500)}`,
        fix: `read the report function's log (aws logs tail /aws/lambda/${facts.reportFunction}); a rebuild of a day must not fail`,
      };
    }
  }
  return { name, verdict: 'PASS', detail: `${facts.reportFunction} reported ${day} twice` };
}

/** (e) The bus dead-letter queue is empty: an event the bus could not put into the stream lands there. */
export async function checkBusDeadLetters(
  sqs: SQSClient,
  facts: StackFacts,
  stage: string,
): Promise<CheckResult> {
  const name = 'Bus dead-letter queue is empty';
  const urls = [...facts.queues].filter(([id]) => id.startsWith('BusDeadLetters')).map(([, url]) => url);
  const test = `to test long ids, add a rule on config-monitor-${stage}-bus forwarding a test source to the bus, put a compliance change with a 300-character resourceId, then run doctor again (see docs/deploy.md)`;
  if (urls.length === 0) {
    return {
      name,
      verdict: 'FAIL',
      detail: 'no BusDeadLetters queue in the stack',
      fix: 'deploy the master stack',
    };
  }
  const full: string[] = [];
  for (const url of urls) {
    const out = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    const n = Number(out.Attributes?.ApproximateNumberOfMessages ?? '0');
    if (n > 0) full.push(`${url}: ${n} message${n === 1 ? '' : 's'}`);
  }
  if (full.length > 0) {
    return {
      name,
      verdict: 'FAIL',
      detail: full.join('\n'),
      fix: `events did not reach the stream: read them (aws sqs receive-message --queue-url URL --attribute-names All --message-attribute-names All), fix the cause, redrive; ${test}`,
    };
  }
  return {
    name,
    verdict: 'PASS',
    detail: `${urls.length} queue${urls.length === 1 ? '' : 's'} empty; ${test}`,
  };
}

/** Runs every check; a check that throws is a FAIL with the error. */
export async function runDoctor(clients: DoctorClients, options: DoctorOptions): Promise<CheckResult[]> {
  let facts: StackFacts;
  try {
    facts = await readStack(clients.cloudFormation, options.stage);
  } catch (err) {
    return [
      {
        name: 'Master stack',
        verdict: 'FAIL',
        detail: `${masterStackName(options.stage)}: ${(err as Error).message}`,
        fix: 'check the stage, the region (AWS_REGION) and the credentials; deploy with npx cdk deploy',
      },
    ];
  }
  const runner = new AthenaRunner(clients.athena, facts, options);
  const guarded = async (name: string, check: () => Promise<CheckResult>): Promise<CheckResult> => {
    try {
      return await check();
    } catch (err) {
      return {
        name,
        verdict: 'FAIL',
        detail: (err as Error).message,
        fix: 'check the credentials and permissions',
      };
    }
  };
  return [
    {
      name: 'Master stack',
      verdict: 'PASS',
      detail: `${masterStackName(options.stage)}: workgroup ${facts.workgroup}, database ${facts.database}`,
    },
    await guarded('Lambda concurrency quota', () => checkConcurrency(clients.lambda)),
    await guarded('Athena accepts the saved queries', () => checkSavedQueries(runner, options)),
    await guarded('Result reuse does not cross parameter values', () => checkReuse(runner, options)),
    await guarded('A rollup day can be built twice', () => checkRollupTwice(clients.lambda, facts, options)),
    await guarded('Bus dead-letter queue is empty', () =>
      checkBusDeadLetters(clients.sqs, facts, options.stage),
    ),
  ];
}

/** The printed form: one line per check, then indented detail and fix. */
export function formatResults(results: readonly CheckResult[]): string {
  return results
    .map((r) => {
      const lines = [`${r.verdict.padEnd(4)}  ${r.name}`];
      for (const line of r.detail.split('\n')) lines.push(`      ${line}`);
      if (r.fix && r.verdict !== 'PASS') lines.push(`      fix: ${r.fix}`);
      return `${lines.join('\n')}\n`;
    })
    .join('');
}

export { AthenaRunner };
