/**
 * The saved-query registry: one `.sql` file a query in `queries/`, described by its header.
 *
 * Header grammar (leading `--` comment lines, before the first SQL line):
 *   -- name: <file name without .sql>
 *   -- description: <one line, shown by `config-monitor query --list`>
 *   -- @param <name> <type> [optional] [text]   one line per `?`, in positional order; a name may repeat
 *   -- @column <name> <type> [text]             the result columns, in order
 * Other comment lines are free text. The same registry serves the API, the report, the CLI, the
 * DuckDB and Athena engines and the CDK stack that deploys one Athena named query per file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QueryParameters, QueryParameterValue } from '../ports/query-engine.js';
import {
  QueryParameterError,
  SavedQueryDefinitionError,
  SavedQueryError,
  UnknownSavedQueryError,
} from './errors.js';

export const PARAMETER_TYPES = ['varchar', 'timestamp', 'date', 'bigint', 'double'] as const;
export type SavedQueryParameterType = (typeof PARAMETER_TYPES)[number];

export const COLUMN_TYPES = ['varchar', 'timestamp', 'date', 'bigint', 'double', 'boolean'] as const;
export type SavedQueryColumnType = (typeof COLUMN_TYPES)[number];

export interface SavedQueryParameter {
  readonly name: string;
  /** `timestamp` is an ISO 8601 string (normalized to UTC `…Z`); `date` is `YYYY-MM-DD`. */
  readonly type: SavedQueryParameterType;
  /** Optional parameters may be omitted: they bind {@link OMITTED} (''), which the query reads as "any". */
  readonly optional: boolean;
  readonly description: string;
}

export interface SavedQueryColumn {
  readonly name: string;
  readonly type: SavedQueryColumnType;
  readonly description: string;
}

export interface SavedQuery {
  readonly name: string;
  readonly description: string;
  /** The whole file, header included: Athena and DuckDB run exactly this text. */
  readonly sql: string;
  /** Distinct named parameters, in order of first use. */
  readonly parameters: readonly SavedQueryParameter[];
  /** The parameter name of each `?`, in order. */
  readonly positional: readonly string[];
  readonly columns: readonly SavedQueryColumn[];
  readonly file: string;
}

/**
 * Where the `.sql` files are: `QUERIES_DIR` if set (the Lambda bundle copies them there), else the
 * repository's `queries/`, resolved from this module's URL.
 */
export function defaultQueriesDir(): string {
  return process.env.QUERIES_DIR ?? fileURLToPath(new URL('../../queries/', import.meta.url));
}

/**
 * Counts the `?` placeholders outside comments, string literals and quoted identifiers — the
 * positions Trino and DuckDB bind.
 */
export function countPlaceholders(sql: string): number {
  let count = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (ch === "'" || ch === '"') {
      // A doubled quote inside a literal is an escaped quote: the scan resumes inside the literal.
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) j += 2;
          else break;
        } else j += 1;
      }
      i = j + 1;
    } else {
      if (ch === '?') count += 1;
      i += 1;
    }
  }
  return count;
}

const NAME = /^[a-z][a-z0-9_]*$/;

/** Parses one saved query from its file text; `file` is the file name (`<name>.sql`). */
export function parseSavedQuery(file: string, text: string): SavedQuery {
  const fail = (problem: string): never => {
    throw new SavedQueryDefinitionError(file, problem);
  };
  const lines = text.split('\n');
  const header: string[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed.startsWith('--')) header.push(trimmed.replace(/^--\s?/, ''));
    else if (trimmed !== '') break;
  }
  let name: string | undefined;
  let description: string | undefined;
  const positional: SavedQueryParameter[] = [];
  const columns: SavedQueryColumn[] = [];
  for (const line of header) {
    const directive = /^(name|description):\s*(.*)$/.exec(line);
    if (directive) {
      if (directive[1] === 'name') name = directive[2]?.trim();
      else description = directive[2]?.trim();
      continue;
    }
    if (line.startsWith('@param')) {
      const m = /^@param\s+(\S+)\s+(\S+)(?:\s+(optional)\b)?\s*(.*)$/.exec(line);
      if (!m) return fail(`malformed "${line}": expected "@param <name> <type> [optional] [text]"`);
      const [, pname = '', ptype = '', optional, rest = ''] = m;
      if (!NAME.test(pname)) fail(`parameter name "${pname}" is not lower_snake_case`);
      if (!(PARAMETER_TYPES as readonly string[]).includes(ptype)) {
        fail(`parameter "${pname}" has type "${ptype}"; allowed: ${PARAMETER_TYPES.join(', ')}`);
      }
      positional.push({
        name: pname,
        type: ptype as SavedQueryParameterType,
        optional: optional !== undefined,
        description: rest.trim(),
      });
      continue;
    }
    if (line.startsWith('@column')) {
      const m = /^@column\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line);
      if (!m) return fail(`malformed "${line}": expected "@column <name> <type> [text]"`);
      const [, cname = '', ctype = '', rest = ''] = m;
      if (!(COLUMN_TYPES as readonly string[]).includes(ctype)) {
        fail(`column "${cname}" has type "${ctype}"; allowed: ${COLUMN_TYPES.join(', ')}`);
      }
      columns.push({ name: cname, type: ctype as SavedQueryColumnType, description: rest.trim() });
      continue;
    }
    if (line.startsWith('@')) fail(`unknown header directive "${line}"; allowed: @param, @column`);
  }
  const expectedName = file.replace(/\.sql$/, '');
  if (name !== expectedName)
    fail(`header "name:" is "${name ?? ''}"; it must be the file name "${expectedName}"`);
  if (!description) fail('header "description:" is missing');
  if (columns.length === 0) fail('no @column lines: the result columns must be documented');
  const placeholders = countPlaceholders(text);
  if (placeholders !== positional.length) {
    fail(`${placeholders} "?" placeholders but ${positional.length} @param lines; there must be one per "?"`);
  }
  const parameters: SavedQueryParameter[] = [];
  for (const p of positional) {
    const first = parameters.find((q) => q.name === p.name);
    if (!first) parameters.push(p);
    else if (first.type !== p.type || first.optional !== p.optional) {
      fail(`parameter "${p.name}" is declared both as ${describe(first)} and as ${describe(p)}`);
    }
  }
  return {
    name: expectedName,
    description: description as string,
    sql: text,
    parameters,
    positional: positional.map((p) => p.name),
    columns,
    file,
  };
}

function describe(p: SavedQueryParameter): string {
  return `${p.type}${p.optional ? ' optional' : ''}`;
}

const cache = new Map<string, readonly SavedQuery[]>();

/** Loads every `*.sql` of a directory (default {@link defaultQueriesDir}), sorted by name; cached per directory. */
export function loadSavedQueries(dir: string = defaultQueriesDir()): readonly SavedQuery[] {
  const key = resolve(dir);
  const cached = cache.get(key);
  if (cached) return cached;
  let files: string[];
  try {
    files = readdirSync(key).filter((f) => f.endsWith('.sql'));
  } catch (err) {
    throw new SavedQueryError(`cannot read the saved-query directory ${key}: ${(err as Error).message}`);
  }
  if (files.length === 0) throw new SavedQueryError(`no *.sql files in the saved-query directory ${key}`);
  const queries = files.sort().map((file) => parseSavedQuery(file, readFileSync(join(key, file), 'utf8')));
  cache.set(key, queries);
  return queries;
}

/** The saved query `name` from a directory (default {@link defaultQueriesDir}). */
export function getSavedQuery(name: string, dir?: string): SavedQuery {
  const queries = loadSavedQueries(dir);
  const query = queries.find((q) => q.name === name);
  if (!query) {
    throw new UnknownSavedQueryError(
      name,
      queries.map((q) => q.name),
    );
  }
  return query;
}

/** Athena's limit for one execution parameter is 1024 characters, quotes included. */
const MAX_TEXT_LENGTH = 1000;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * What an omitted optional parameter binds: the empty string, which the saved queries test with
 * `? = ''` (and turn into NULL with `nullif(?, '')` before a conversion). Not NULL: Athena
 * substitutes execution parameters as SQL text and does not document `NULL` as a value
 * (https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html), while a
 * quoted string is the documented form. No valid account, region or timestamp is empty.
 */
export const OMITTED = '';

/**
 * Validates named parameters against a query's header and returns the value of each `?` in order.
 *
 * Unknown names and missing required ones are errors; an omitted optional parameter (undefined,
 * null or '') binds {@link OMITTED}. Timestamps are normalized to UTC `YYYY-MM-DDTHH:mm:ss.sssZ`, which the
 * queries' `dt` partition predicates rely on; numbers may be given as numeric strings (CLI, URLs).
 */
export function bindParameters(query: SavedQuery, params: QueryParameters): QueryParameterValue[] {
  for (const key of Object.keys(params)) {
    if (!query.parameters.some((p) => p.name === key)) {
      const allowed = query.parameters.map((p) => p.name).join(', ') || 'none';
      throw new QueryParameterError(query.name, key, `is unknown; allowed: ${allowed}`);
    }
  }
  const values = new Map<string, QueryParameterValue>();
  for (const p of query.parameters) {
    values.set(p.name, normalizeValue(query.name, p, params[p.name]));
  }
  return query.positional.map((name) => values.get(name) ?? OMITTED);
}

function normalizeValue(
  queryName: string,
  p: SavedQueryParameter,
  raw: QueryParameterValue | undefined,
): QueryParameterValue {
  const problem = (what: string): never => {
    throw new QueryParameterError(queryName, p.name, what);
  };
  if (raw === undefined || raw === null || raw === '') {
    if (!p.optional) problem(`is required (${p.type})`);
    return OMITTED;
  }
  switch (p.type) {
    case 'varchar': {
      const text = String(raw);
      if (text.length > MAX_TEXT_LENGTH)
        problem(`is ${text.length} characters long; at most ${MAX_TEXT_LENGTH}`);
      return text;
    }
    case 'timestamp': {
      const text = String(raw);
      const ms = Date.parse(text);
      if (!ISO_TIMESTAMP.test(text) || Number.isNaN(ms)) {
        problem(
          `is "${truncate(text)}"; expected an ISO 8601 timestamp with a zone, e.g. 2026-01-31T00:00:00Z`,
        );
      }
      return new Date(ms).toISOString();
    }
    case 'date': {
      const text = String(raw);
      const day = new Date(`${text}T00:00:00Z`);
      if (!ISO_DATE.test(text) || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== text) {
        problem(`is "${truncate(text)}"; expected a date YYYY-MM-DD`);
      }
      return text;
    }
    case 'bigint':
    case 'double': {
      const n = typeof raw === 'number' ? raw : Number(raw);
      if (!Number.isFinite(n) || (typeof raw === 'string' && raw.trim() === '')) {
        problem(`is "${truncate(String(raw))}"; expected a number`);
      }
      if (p.type === 'bigint' && !Number.isSafeInteger(n)) problem(`is ${n}; expected an integer`);
      return n;
    }
  }
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
