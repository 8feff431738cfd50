/**
 * A local stand-in for three AWS Config aggregator APIs, spoken over the AWS JSON 1.1 protocol
 * (`POST /`, `X-Amz-Target: StarlingDoveService.<Operation>`,
 * `Content-Type: application/x-amz-json-1.1`), so that the real `@aws-sdk/client-config-service`
 * `ConfigServiceClient` can be pointed at it (`endpoint: standIn.endpoint`) by tests and the local demo.
 *
 * Modelled on the AWS Config API reference:
 * - DescribeAggregateComplianceByConfigRules
 *   https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeAggregateComplianceByConfigRules.html
 *   One entry per (rule, account, region) that has COMPLIANT/NON_COMPLIANT results; "Does not display
 *   rules that do not have compliance results". Limit 0-1000, default (and 0) = maximum.
 * - GetAggregateComplianceDetailsByConfigRule
 *   https://docs.aws.amazon.com/config/latest/APIReference/API_GetAggregateComplianceDetailsByConfigRule.html
 *   ConfigurationAggregatorName, ConfigRuleName, AccountId, AwsRegion are required. ComplianceType:
 *   "Config supports only the COMPLIANT and NON_COMPLIANT" -- anything else is rejected with
 *   ValidationException (the operation's documented error list is InvalidLimitException,
 *   InvalidNextTokenException, NoSuchConfigurationAggregatorException, ValidationException; it has no
 *   InvalidParameterValueException). NOT_APPLICABLE / INSUFFICIENT_DATA results held in the dataset are
 *   never returned. Limit 0-100, default (and 0) = 50.
 * - DescribeConfigurationAggregatorSourcesStatus
 *   https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationAggregatorSourcesStatus.html
 *   Limit 0-100, default (and 0) = maximum. UpdateStatus filters FAILED | SUCCEEDED | OUTDATED.
 * - Shapes: https://docs.aws.amazon.com/config/latest/APIReference/API_AggregateComplianceByConfigRule.html
 *   https://docs.aws.amazon.com/config/latest/APIReference/API_AggregateEvaluationResult.html
 *   https://docs.aws.amazon.com/config/latest/APIReference/API_AggregatedSourceStatus.html
 *   https://docs.aws.amazon.com/config/latest/APIReference/API_ComplianceContributorCount.html
 * - Errors: https://docs.aws.amazon.com/config/latest/APIReference/CommonErrors.html
 *
 * Traps AWS documents and this stand-in reproduces: "The results can return an empty result page, but
 * if you have a nextToken, the results are displayed on the next page" (`emptyPageEvery`), throttling
 * (`throttleEvery`), and a FAILED source whose last aggregated results are still returned.
 *
 * JSON 1.1 timestamps are epoch seconds as numbers (fractional for milliseconds).
 * Results are ordered by account, region, rule, resource type, resource id so paging is stable.
 * NextTokens are opaque, bound to the operation and its parameters (Limit excepted) and rejected
 * with InvalidNextTokenException if replayed with other parameters or tampered with.
 *
 * Why one file: one protocol; the three operations serve one dataset and share its ordering,
 * paging, NextTokens, throttling and error shapes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { COMPLIANCE_TYPES, type ComplianceType } from '../../src/domain/config-event.schema.js';

export type StandInComplianceType = ComplianceType;

export interface StandInResult {
  readonly account: string;
  readonly region: string;
  readonly ruleName: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly complianceType: StandInComplianceType;
  readonly orderingTimestamp: string; // ISO
  readonly resultRecordedTime: string; // ISO
  readonly configRuleInvokedTime?: string;
  readonly annotation?: string;
}

export type StandInSourceStatus = 'SUCCEEDED' | 'FAILED' | 'OUTDATED';

export interface StandInSource {
  readonly account: string;
  readonly region: string;
  readonly status: StandInSourceStatus;
  readonly lastUpdateTime?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

export interface ConfigAggregatorStandInOptions {
  readonly aggregatorName: string;
  readonly results: readonly StandInResult[];
  readonly sources: readonly StandInSource[];
  /** Rules deployed but with no results (AWS omits them from DescribeAggregateComplianceByConfigRules). */
  readonly rulesWithoutResults?: readonly { account: string; region: string; ruleName: string }[];
  /**
   * Every Nth page of any paged answer is an EMPTY page that still carries a NextToken (AWS does this).
   * Only inserted while items remain, so a listing always ends on a real page. Must not be 1.
   * @default 0 = never
   */
  readonly emptyPageEvery?: number;
  /** Answer every Nth request (counting all operations) with ThrottlingException (HTTP 400, `__type`). @default 0 */
  readonly throttleEvery?: number;
}

export interface StandInRequest {
  readonly operation: string;
  readonly body: Record<string, unknown>;
  /** True when this request was answered with the injected ThrottlingException. */
  readonly throttled: boolean;
}

export interface ConfigAggregatorStandIn {
  readonly endpoint: string; // http://127.0.0.1:PORT
  /** Every request received: operation name and parsed JSON body, in order (for assertions). */
  requests(): readonly StandInRequest[];
  /** Replace the dataset (a later sync sees it). */
  setData(data: { results?: readonly StandInResult[]; sources?: readonly StandInSource[] }): void;
  close(): Promise<void>;
}

/** Page-size limits from the API reference (max, and what 0/absent means). */
export const STAND_IN_LIMITS = {
  DescribeAggregateComplianceByConfigRules: { max: 1000, default: 1000 },
  GetAggregateComplianceDetailsByConfigRule: { max: 100, default: 50 },
  DescribeConfigurationAggregatorSourcesStatus: { max: 100, default: 100 },
} as const;

/** ComplianceContributorCount.CappedCount is capped at 100 (CapExceeded beyond). */
const CONTRIBUTOR_CAP = 100;

const TARGET_PREFIX = 'StarlingDoveService.';
const JSON_11 = 'application/x-amz-json-1.1';
const REPORTED_COMPLIANCE: readonly string[] = ['COMPLIANT', 'NON_COMPLIANT'];
const SOURCE_STATUSES: readonly string[] = ['SUCCEEDED', 'FAILED', 'OUTDATED'];

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function resultKey(r: StandInResult): readonly string[] {
  return [r.account, r.region, r.ruleName, r.resourceType, r.resourceId];
}

function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compare(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

function epochSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

function checkIso(value: string | undefined, what: string): void {
  if (value !== undefined && Number.isNaN(Date.parse(value))) {
    throw new TypeError(`config aggregator stand-in: ${what} is not an ISO timestamp: ${value}`);
  }
}

function prepareResults(results: readonly StandInResult[]): readonly StandInResult[] {
  for (const r of results) {
    if (!(COMPLIANCE_TYPES as readonly string[]).includes(r.complianceType)) {
      throw new TypeError(`config aggregator stand-in: unknown complianceType ${String(r.complianceType)}`);
    }
    checkIso(r.orderingTimestamp, 'orderingTimestamp');
    checkIso(r.resultRecordedTime, 'resultRecordedTime');
    checkIso(r.configRuleInvokedTime, 'configRuleInvokedTime');
  }
  return [...results].sort((a, b) => compareKeys(resultKey(a), resultKey(b)));
}

function prepareSources(sources: readonly StandInSource[]): readonly StandInSource[] {
  for (const s of sources) {
    if (!SOURCE_STATUSES.includes(s.status)) {
      throw new TypeError(`config aggregator stand-in: unknown source status ${String(s.status)}`);
    }
    checkIso(s.lastUpdateTime, 'lastUpdateTime');
  }
  return [...sources].sort((a, b) => compare(a.account, b.account) || compare(a.region, b.region));
}

function checkEvery(value: number | undefined, name: string, allowOne: boolean): number {
  const n = value ?? 0;
  if (!Number.isInteger(n) || n < 0 || (!allowOne && n === 1)) {
    throw new RangeError(
      `config aggregator stand-in: ${name} must be an integer >= ${allowOne ? 0 : 2} or 0`,
    );
  }
  return n;
}

// ---- request field readers (ValidationException like AWS's model validation) ----

function optionalString(body: Json, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at '${field}' must be a string`,
    );
  }
  return v;
}

function requiredString(body: Json, field: string): string {
  const v = optionalString(body, field);
  if (v === undefined || v === '') {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return v;
}

function readLimit(body: Json, limits: { max: number; default: number }): number {
  const v = body.Limit;
  if (v === undefined || v === null) return limits.default;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > limits.max) {
    throw new AwsError(
      'InvalidLimitException',
      `The specified limit ${String(v)} is outside the allowable range (0-${limits.max}).`,
    );
  }
  return v === 0 ? limits.default : v;
}

function readReportedComplianceType(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (!REPORTED_COMPLIANCE.includes(value)) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ` +
        'Member must satisfy enum value set: [COMPLIANT, NON_COMPLIANT]',
    );
  }
  return value;
}

// ---- paging ----

interface TokenState {
  readonly offset: number;
  /** 1-based index of the page this token asks for. */
  readonly page: number;
}

interface Pager {
  page<T>(
    operation: string,
    params: unknown,
    body: Json,
    items: readonly T[],
    limit: number,
  ): { items: readonly T[]; nextToken?: string };
}

function createPager(emptyPageEvery: number): Pager {
  const secret = randomBytes(16).toString('hex');
  const sign = (operation: string, paramsHash: string, state: TokenState): string =>
    createHash('sha256')
      .update(`${secret}|${operation}|${paramsHash}|${state.offset}|${state.page}`)
      .digest('base64url')
      .slice(0, 22);
  const encode = (operation: string, paramsHash: string, state: TokenState): string =>
    Buffer.from(
      JSON.stringify({ o: state.offset, p: state.page, s: sign(operation, paramsHash, state) }),
    ).toString('base64url');
  const decode = (operation: string, paramsHash: string, token: string): TokenState => {
    const invalid = new AwsError(
      'InvalidNextTokenException',
      'The nextToken provided is invalid. Specify the nextToken returned by the previous call with the same parameters.',
    );
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      throw invalid;
    }
    if (typeof parsed !== 'object' || parsed === null) throw invalid;
    const { o, p, s } = parsed as { o?: unknown; p?: unknown; s?: unknown };
    if (!Number.isInteger(o) || !Number.isInteger(p) || typeof s !== 'string') throw invalid;
    const state = { offset: o as number, page: p as number };
    if (state.offset < 0 || state.page < 2 || s !== sign(operation, paramsHash, state)) throw invalid;
    return state;
  };
  return {
    page(operation, params, body, items, limit) {
      const paramsHash = createHash('sha256').update(JSON.stringify(params)).digest('hex');
      const token = optionalString(body, 'NextToken');
      const state: TokenState =
        token === undefined || token === '' ? { offset: 0, page: 1 } : decode(operation, paramsHash, token);
      const offset = Math.min(state.offset, items.length);
      const remaining = offset < items.length;
      if (emptyPageEvery > 0 && remaining && state.page % emptyPageEvery === 0) {
        return { items: [], nextToken: encode(operation, paramsHash, { offset, page: state.page + 1 }) };
      }
      const end = Math.min(offset + limit, items.length);
      const slice = items.slice(offset, end);
      if (end >= items.length) return { items: slice };
      return {
        items: slice,
        nextToken: encode(operation, paramsHash, { offset: end, page: state.page + 1 }),
      };
    },
  };
}

// ---- server ----

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, payload: Json): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': JSON_11,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomBytes(16).toString('hex'),
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: AwsError): void {
  send(res, error.status, { __type: error.type, message: error.message });
}

export async function startConfigAggregatorStandIn(
  options: ConfigAggregatorStandInOptions,
): Promise<ConfigAggregatorStandIn> {
  const emptyPageEvery = checkEvery(options.emptyPageEvery, 'emptyPageEvery', false);
  const throttleEvery = checkEvery(options.throttleEvery, 'throttleEvery', true);
  let results = prepareResults(options.results);
  let sources = prepareSources(options.sources);
  const log: StandInRequest[] = [];
  const pager = createPager(emptyPageEvery);
  let requestCount = 0;

  const checkAggregator = (body: Json): void => {
    const name = requiredString(body, 'ConfigurationAggregatorName');
    if (name !== options.aggregatorName) {
      throw new AwsError(
        'NoSuchConfigurationAggregatorException',
        `The configuration aggregator '${name}' does not exist.`,
      );
    }
  };

  const operations: Record<string, (body: Json) => Json> = {
    DescribeAggregateComplianceByConfigRules(body) {
      const rawFilters = body.Filters;
      const filters: Json = typeof rawFilters === 'object' && rawFilters !== null ? (rawFilters as Json) : {};
      const f = {
        ConfigRuleName: optionalString(filters, 'ConfigRuleName'),
        ComplianceType: readReportedComplianceType(
          optionalString(filters, 'ComplianceType'),
          'filters.complianceType',
        ),
        AccountId: optionalString(filters, 'AccountId'),
        AwsRegion: optionalString(filters, 'AwsRegion'),
      };
      const limit = readLimit(body, STAND_IN_LIMITS.DescribeAggregateComplianceByConfigRules);
      checkAggregator(body);
      // Group the (already sorted) reported results per (account, region, rule).
      const groups: { account: string; region: string; rule: string; nonCompliant: number; total: number }[] =
        [];
      for (const r of results) {
        if (!REPORTED_COMPLIANCE.includes(r.complianceType)) continue;
        let g = groups.at(-1);
        if (!g || g.account !== r.account || g.region !== r.region || g.rule !== r.ruleName) {
          g = { account: r.account, region: r.region, rule: r.ruleName, nonCompliant: 0, total: 0 };
          groups.push(g);
        }
        g.total++;
        if (r.complianceType === 'NON_COMPLIANT') g.nonCompliant++;
      }
      const entries = groups
        .map((g) => ({ ...g, type: g.nonCompliant > 0 ? 'NON_COMPLIANT' : 'COMPLIANT' }))
        .filter(
          (g) =>
            (f.ConfigRuleName === undefined || g.rule === f.ConfigRuleName) &&
            (f.ComplianceType === undefined || g.type === f.ComplianceType) &&
            (f.AccountId === undefined || g.account === f.AccountId) &&
            (f.AwsRegion === undefined || g.region === f.AwsRegion),
        );
      const page = pager.page('DescribeAggregateComplianceByConfigRules', f, body, entries, limit);
      return {
        AggregateComplianceByConfigRules: page.items.map((g) => ({
          ConfigRuleName: g.rule,
          Compliance: {
            ComplianceType: g.type,
            // The number of resources that cause NON_COMPLIANT, capped; AWS leaves it out for COMPLIANT.
            ...(g.nonCompliant > 0
              ? {
                  ComplianceContributorCount: {
                    CappedCount: Math.min(g.nonCompliant, CONTRIBUTOR_CAP),
                    CapExceeded: g.nonCompliant > CONTRIBUTOR_CAP,
                  },
                }
              : {}),
          },
          AccountId: g.account,
          AwsRegion: g.region,
        })),
        ...(page.nextToken ? { NextToken: page.nextToken } : {}),
      };
    },

    GetAggregateComplianceDetailsByConfigRule(body) {
      const p = {
        ConfigRuleName: requiredString(body, 'ConfigRuleName'),
        AccountId: requiredString(body, 'AccountId'),
        AwsRegion: requiredString(body, 'AwsRegion'),
        ComplianceType: readReportedComplianceType(optionalString(body, 'ComplianceType'), 'complianceType'),
      };
      const limit = readLimit(body, STAND_IN_LIMITS.GetAggregateComplianceDetailsByConfigRule);
      checkAggregator(body);
      const matching = results.filter(
        (r) =>
          r.ruleName === p.ConfigRuleName &&
          r.account === p.AccountId &&
          r.region === p.AwsRegion &&
          // NOT_APPLICABLE / INSUFFICIENT_DATA are never returned, whatever the dataset holds.
          REPORTED_COMPLIANCE.includes(r.complianceType) &&
          (p.ComplianceType === undefined || r.complianceType === p.ComplianceType),
      );
      const page = pager.page('GetAggregateComplianceDetailsByConfigRule', p, body, matching, limit);
      return {
        AggregateEvaluationResults: page.items.map((r) => ({
          EvaluationResultIdentifier: {
            EvaluationResultQualifier: {
              ConfigRuleName: r.ruleName,
              ResourceType: r.resourceType,
              ResourceId: r.resourceId,
            },
            OrderingTimestamp: epochSeconds(r.orderingTimestamp),
          },
          ComplianceType: r.complianceType,
          ResultRecordedTime: epochSeconds(r.resultRecordedTime),
          ...(r.configRuleInvokedTime !== undefined
            ? { ConfigRuleInvokedTime: epochSeconds(r.configRuleInvokedTime) }
            : {}),
          ...(r.annotation !== undefined ? { Annotation: r.annotation } : {}),
          AccountId: r.account,
          AwsRegion: r.region,
        })),
        ...(page.nextToken ? { NextToken: page.nextToken } : {}),
      };
    },

    DescribeConfigurationAggregatorSourcesStatus(body) {
      const raw = body.UpdateStatus;
      let updateStatus: string[] | undefined;
      if (raw !== undefined && raw !== null) {
        if (
          !Array.isArray(raw) ||
          raw.length === 0 ||
          !raw.every((s) => typeof s === 'string' && SOURCE_STATUSES.includes(s))
        ) {
          throw new AwsError(
            'ValidationException',
            "1 validation error detected: Value at 'updateStatus' failed to satisfy constraint: " +
              'Member must have length greater than or equal to 1 and satisfy enum value set: [FAILED, SUCCEEDED, OUTDATED]',
          );
        }
        updateStatus = [...(raw as string[])].sort();
      }
      const limit = readLimit(body, STAND_IN_LIMITS.DescribeConfigurationAggregatorSourcesStatus);
      checkAggregator(body);
      const matching = sources.filter((s) => updateStatus === undefined || updateStatus.includes(s.status));
      const page = pager.page(
        'DescribeConfigurationAggregatorSourcesStatus',
        { updateStatus },
        body,
        matching,
        limit,
      );
      return {
        AggregatedSourceStatusList: page.items.map((s) => ({
          SourceId: s.account,
          SourceType: 'ACCOUNT',
          AwsRegion: s.region,
          LastUpdateStatus: s.status,
          ...(s.lastUpdateTime !== undefined ? { LastUpdateTime: epochSeconds(s.lastUpdateTime) } : {}),
          ...(s.errorCode !== undefined ? { LastErrorCode: s.errorCode } : {}),
          ...(s.errorMessage !== undefined ? { LastErrorMessage: s.errorMessage } : {}),
        })),
        ...(page.nextToken ? { NextToken: page.nextToken } : {}),
      };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await readBody(req);
    const targetHeader = req.headers['x-amz-target'];
    const target = typeof targetHeader === 'string' ? targetHeader : '';
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    let body: Json = {};
    let parseError = false;
    try {
      const parsed: unknown = text.trim() === '' ? {} : JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Json;
      else parseError = true;
    } catch {
      parseError = true;
    }
    requestCount++;
    const throttled = throttleEvery > 0 && requestCount % throttleEvery === 0;
    log.push({ operation, body, throttled });
    if (throttled) {
      sendError(res, new AwsError('ThrottlingException', 'Rate exceeded'));
      return;
    }
    const handler =
      req.method === 'POST' && (req.url ?? '/').split('?')[0] === '/' && target.startsWith(TARGET_PREFIX)
        ? Object.hasOwn(operations, operation)
          ? operations[operation]
          : undefined
        : undefined;
    if (!handler) {
      sendError(res, new AwsError('UnknownOperationException', `Unknown operation ${target || '(none)'}`));
      return;
    }
    if (parseError) {
      sendError(res, new AwsError('SerializationException', 'The request body is not a JSON object.'));
      return;
    }
    send(res, 200, handler(body));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const awsError =
        error instanceof AwsError
          ? error
          : new AwsError('InternalFailure', error instanceof Error ? error.message : String(error), 500);
      if (!res.headersSent) sendError(res, awsError);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => [...log],
    setData(data) {
      if (data.results) results = prepareResults(data.results);
      if (data.sources) sources = prepareSources(data.sources);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
