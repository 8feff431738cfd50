import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeSqlParser from 'node-sql-parser';
import { afterEach, describe, expect, it } from 'vitest';
import {
  QueryParameterError,
  SavedQueryDefinitionError,
  UnknownSavedQueryError,
} from '../../src/queries/errors.js';
import {
  bindParameters,
  countPlaceholders,
  defaultQueriesDir,
  getSavedQuery,
  loadSavedQueries,
  OMITTED,
  parseSavedQuery,
} from '../../src/queries/saved-queries.js';

const { Parser } = nodeSqlParser;
const queries = loadSavedQueries();

/** The queries the API, the report and the infra rely on, with their named parameters. */
const SAVED_QUERY_PARAMETERS: Record<string, string[]> = {
  compliance_summary: ['account', 'region', 'severity', 'start', 'end'],
  current_state: ['account', 'region', 'severity', 'as_of'],
  compliance_score: ['account', 'region', 'severity', 'as_of'],
  daily_report: ['day'],
  daily_top_rules: ['day'],
  daily_top_accounts: ['day'],
  compliance_trend: ['account', 'region', 'severity', 'end', 'start'],
  time_to_remediate: ['account', 'region', 'severity', 'end', 'start'],
  time_to_remediate_overall: ['account', 'region', 'severity', 'end', 'start'],
  resource_timeline: ['account', 'region', 'resource_type', 'resource_id', 'start', 'end'],
};

/** Counts `?` nodes of a node-sql-parser AST, by whether a WHERE clause of their own SELECT holds them. */
function walk(node: unknown, inWhere: boolean, found: { inWhere: number; elsewhere: number }): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, inWhere, found);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (record.type === 'origin' && record.value === '?') {
    found[inWhere ? 'inWhere' : 'elsewhere'] += 1;
    return;
  }
  const isSelect = record.type === 'select';
  for (const [key, child] of Object.entries(record)) {
    walk(child, isSelect ? key === 'where' : inWhere, found);
  }
}

/** SQL text without comments and string literals, for style checks. */
function code(sql: string): string {
  return sql.replace(/--.*$/gm, '').replace(/'(?:[^']|'')*'/g, "''");
}

describe.each(queries.map((q) => [q.name, q] as const))('saved query %s', (_name, query) => {
  it('parses as Athena SQL (node-sql-parser, trino dialect)', () => {
    expect(() => new Parser().astify(query.sql, { database: 'trino' })).not.toThrow();
  });

  it('places every ? in a WHERE clause, the only place Athena accepts execution parameters', () => {
    // https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html
    const ast = new Parser().astify(query.sql, { database: 'trino' });
    const found = { inWhere: 0, elsewhere: 0 };
    walk(ast, false, found);
    expect(found).toEqual({ inWhere: countPlaceholders(query.sql), elsewhere: 0 });
  });

  it('documents a description, its parameters (one per ?) and its columns', () => {
    expect(query.description.length).toBeGreaterThan(20);
    expect(query.positional).toHaveLength(countPlaceholders(query.sql));
    expect(query.columns.length).toBeGreaterThan(0);
  });

  it('prunes partitions through dt and deduplicates by event_id', () => {
    const body = code(query.sql);
    expect(body).toMatch(/\bdt\s*(<=|>=|=|<)/);
    // Either an explicit group by event_id, or the max_by order key that ends with event_id (copies
    // tie), or it reads only the compliance_daily_state rollup, which daily_state builds that way.
    const rollupOnly =
      /\bfrom compliance_(daily|key)_state\b/.test(body) && !/\bcompliance_events\b/.test(body);
    if (!rollupOnly) expect(body).toMatch(/group by event_id|row\(ordering_time, recorded_time, event_id\)/);
  });

  it('follows the house style: lowercase keywords, values only as ? parameters', () => {
    const body = code(query.sql);
    expect(body).not.toMatch(/\b(SELECT|FROM|WHERE|GROUP BY|ORDER BY|WITH|JOIN|AND|OR|AS|CASE|WHEN)\b/);
    // No literal account ids, dates or timestamps: those are always parameters.
    expect(query.sql.replace(/^--.*$/gm, '')).not.toMatch(/'\d{4}-\d{2}-\d{2}|'\d{12}'/);
  });

  it("reads an omitted optional parameter as the '' sentinel, never as NULL", () => {
    const body = code(query.sql);
    expect(body).not.toMatch(/\?\s+is\s+(not\s+)?null/);
    // A conversion of a parameter that may be '' goes through nullif, so it never fails on ''.
    expect(body).not.toMatch(/from_iso8601_timestamp\(\?\)/);
  });
});

describe('the registry', () => {
  it('holds the saved queries with their named parameters', () => {
    for (const [name, params] of Object.entries(SAVED_QUERY_PARAMETERS)) {
      expect(getSavedQuery(name).parameters.map((p) => p.name)).toEqual(params);
    }
  });

  it('is summarized in docs/archive.md with the same parameters and result columns', () => {
    const doc = readFileSync(new URL('../../docs/archive.md', import.meta.url), 'utf8');
    for (const query of queries) {
      const line = doc.split('\n').find((l) => l.startsWith(`| \`${query.name}\` |`));
      expect(line, `docs/archive.md lists ${query.name}`).toBeDefined();
      const [, params = '', columns = ''] = (line as string)
        .split('|')
        .slice(1)
        .map((c) => c.trim());
      const names = (cell: string) =>
        cell
          .replace(/\s*\([^)]*\)/g, '')
          .split(',')
          .map((c) => c.replace(/[`?]/g, '').trim())
          .filter(Boolean);
      expect(names(params).sort()).toEqual(query.parameters.map((p) => p.name).sort());
      expect(names(columns)).toEqual(query.columns.map((c) => c.name));
    }
  });

  it('reads QUERIES_DIR when set', () => {
    const before = process.env.QUERIES_DIR;
    process.env.QUERIES_DIR = '/opt/queries';
    try {
      expect(defaultQueriesDir()).toBe('/opt/queries');
    } finally {
      if (before === undefined) delete process.env.QUERIES_DIR;
      else process.env.QUERIES_DIR = before;
    }
  });

  it('names the known queries when asked for an unknown one', () => {
    expect(() => getSavedQuery('drop_everything')).toThrow(UnknownSavedQueryError);
    expect(() => getSavedQuery('drop_everything')).toThrow(/known: .*compliance_summary/);
  });
});

describe('bindParameters', () => {
  const summary = getSavedQuery('compliance_summary');
  const report = getSavedQuery('daily_report');

  it("maps named values to every positional ?, omitted optional ones to the '' sentinel (never NULL)", () => {
    // Act
    const values = bindParameters(summary, {
      account: '111122223333',
      severity: 'CRITICAL,HIGH',
      end: '2026-03-02T00:00:00Z',
    });

    // Assess
    expect(values).toEqual([
      '111122223333',
      '111122223333',
      '',
      '',
      'CRITICAL,HIGH',
      'CRITICAL,HIGH',
      '',
      '',
      '',
      '2026-03-02T00:00:00.000Z',
      '2026-03-02T00:00:00.000Z',
      '2026-03-02T00:00:00.000Z',
    ]);
  });

  it('normalizes timestamps with an offset to UTC, which the dt predicates rely on', () => {
    const values = bindParameters(summary, { start: '2026-03-02T01:30:00+02:00' });
    expect(values[6]).toBe('2026-03-01T23:30:00.000Z');
  });

  it('treats an empty string as not given', () => {
    expect(bindParameters(summary, { region: '' })[2]).toBe(OMITTED);
    expect(bindParameters(summary, { region: null })[2]).toBe(OMITTED);
  });

  it.each([
    [{ acount: '1' }, /parameter "acount" is unknown; allowed: account, region, severity, start, end/],
    [{ start: 'yesterday' }, /parameter "start" is "yesterday"; expected an ISO 8601 timestamp/],
    [{ start: '2026-03-02T10:00:00' }, /expected an ISO 8601 timestamp with a zone/],
    [{ account: 'x'.repeat(1001) }, /at most 1000/],
  ])('rejects %j', (params, message) => {
    expect(() => bindParameters(summary, params)).toThrow(QueryParameterError);
    expect(() => bindParameters(summary, params)).toThrow(message);
  });

  it.each([
    [{}, /parameter "day" is required \(date\)/],
    [{ day: '2026-02-30' }, /expected a date YYYY-MM-DD/],
    [{ day: '2026-3-1' }, /expected a date YYYY-MM-DD/],
  ])('daily_report rejects %j', (params, message) => {
    expect(() => bindParameters(report, params)).toThrow(message);
  });
});

describe('parseSavedQuery', () => {
  const header = (extra: string) =>
    `-- name: q\n-- description: a test query that counts\n${extra}-- @column n bigint  count\nselect count(*) as n from t where a = ?\n`;

  it.each([
    [
      'a name that is not the file name',
      `-- name: other\n-- description: x\n-- @param a varchar\n-- @column n bigint\nselect ?`,
      /must be the file name "q"/,
    ],
    ['fewer @param lines than ?', header(''), /1 "\?" placeholders but 0 @param lines/],
    ['an unknown type', header('-- @param a text\n'), /type "text"; allowed: varchar, timestamp/],
    [
      'a name repeated with another type',
      `-- name: q\n-- description: x\n-- @param a varchar\n-- @param a date\n-- @column n bigint\nselect ?, ?`,
      /declared both as varchar and as date/,
    ],
    ['no columns', `-- name: q\n-- description: x\n-- @param a varchar\nselect ?`, /no @column lines/],
  ])('rejects %s', (_label, text, message) => {
    expect(() => parseSavedQuery('q.sql', text)).toThrow(SavedQueryDefinitionError);
    expect(() => parseSavedQuery('q.sql', text)).toThrow(message);
  });

  it('tells a ? in a select list from one in a WHERE clause', () => {
    const found = { inWhere: 0, elsewhere: 0 };
    walk(
      new Parser().astify('with a as (select ? as y from t where b = ?) select y from a where y = ?', {
        database: 'trino',
      }),
      false,
      found,
    );
    expect(found).toEqual({ inWhere: 2, elsewhere: 1 });
  });

  it('counts only the ? outside comments, literals and quoted identifiers', () => {
    expect(
      countPlaceholders(`select '?', "a?b", ? -- why?\n/* ? */ from t where x = 'it''s ?' and y = ?`),
    ).toBe(2);
  });

  it('loads a directory of queries, sorted by name', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cm-sq-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'q.sql'), header('-- @param a varchar optional  the a\n'));
    writeFileSync(join(dir, 'a.sql'), '-- name: a\n-- description: d\n-- @column x bigint\nselect 1 as x\n');

    // Act
    const loaded = loadSavedQueries(dir);

    // Assess
    expect(loaded.map((q) => q.name)).toEqual(['a', 'q']);
    expect(loaded[1]?.parameters).toEqual([
      { name: 'a', type: 'varchar', optional: true, description: 'the a' },
    ]);
  });
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
