/** `config-monitor query`: list the saved queries, or run one on the embedded DuckDB engine or on Athena. */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AthenaQueryEngine } from '../../../src/adapters/athena/athena.query-engine.js';
import { DuckDbQueryEngine } from '../../../src/adapters/duckdb/duckdb.query-engine.js';
import type { QueryEngine, QueryRow } from '../../../src/ports/query-engine.js';
import { QueryParameterError, UnknownSavedQueryError } from '../../../src/queries/errors.js';
import { getSavedQuery, loadSavedQueries, type SavedQuery } from '../../../src/queries/saved-queries.js';
import { type Command, dataDirOption, parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';

const NAME = 'query';
const FORMATS = ['table', 'json', 'csv'] as const;
type Format = (typeof FORMATS)[number];

export const command: Command = {
  usage: `Usage: config-monitor query --list [--format table|json]
       config-monitor query NAME [--param key=value …] [--format table|json|csv] [--data-dir DIR]
       config-monitor query NAME --engine athena --workgroup W [--database D] [--param key=value …]

Runs a saved query from queries/ (the same SQL text Athena runs) on the embedded DuckDB engine
over <data-dir>/archive/, or on Amazon Athena with the default AWS credentials once the stack is
deployed. Parameters are named as in the query's header; omitted optional ones mean "any".
Timestamps are ISO 8601 with a zone (2026-03-01T00:00:00Z), days YYYY-MM-DD.

Options:
  --list              one saved query per line: name, then description (--format json: with
                      parameters and result columns)
  --param key=value   a named parameter; repeat for several
  --format F          table (default, for people), json (an array of row objects) or csv
  --engine E          duckdb (default) or athena
  --workgroup W       Athena workgroup (required with --engine athena)
  --database D        Athena database of compliance_events (default: the workgroup's)
  --data-dir DIR      data directory of the embedded stack (default ./.config-monitor)
  -h, --help          this help

Examples:
  config-monitor query --list
  config-monitor query compliance_score
  config-monitor query daily_report --param day=2026-03-01 --format json
  config-monitor query compliance_summary --param account=111122223333 --param start=2026-03-01T00:00:00Z
  config-monitor query current_state --engine athena --workgroup config-monitor --database config_monitor
`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      NAME,
      argv,
      {
        list: { type: 'boolean' },
        param: { type: 'string', multiple: true },
        format: { type: 'string' },
        engine: { type: 'string' },
        workgroup: { type: 'string' },
        database: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      { min: 0, max: 1 },
    );
    const format = formatOption(values.format);
    const queries = loadSavedQueries();

    if (values.list) {
      if (positionals.length > 0) throw new UsageError('--list takes no query name', NAME);
      io.stdout.write(
        format === 'json' ? `${JSON.stringify(queries.map(describe), null, 2)}\n` : listText(queries),
      );
      return 0;
    }
    const [name] = positionals;
    if (name === undefined) throw new UsageError('missing query name (see --list)', NAME);
    let query: SavedQuery;
    try {
      query = getSavedQuery(name);
    } catch (err) {
      if (err instanceof UnknownSavedQueryError) throw new UsageError(err.message, NAME);
      throw err;
    }
    const params = parseParams(values.param ?? []);

    const engineName = values.engine ?? 'duckdb';
    let engine: QueryEngine;
    if (engineName === 'athena') {
      if (!values.workgroup) throw new UsageError('--engine athena needs --workgroup', NAME);
      engine = new AthenaQueryEngine({
        workgroup: values.workgroup,
        ...(values.database ? { database: values.database } : {}),
      });
    } else if (engineName === 'duckdb') {
      if (values.workgroup || values.database) {
        throw new UsageError('--workgroup and --database apply to --engine athena only', NAME);
      }
      const dataDir = dataDirOption(values['data-dir'], io.cwd);
      if (!existsSync(join(dataDir, 'archive'))) {
        io.stderr.write(`config-monitor query: no archive under ${dataDir} yet; results are empty\n`);
      }
      engine = new DuckDbQueryEngine({ dataDir });
    } else {
      throw new UsageError(`--engine must be duckdb or athena; got "${engineName}"`, NAME);
    }

    try {
      const outcome = await engine.execute(query.name, params);
      if (outcome.status !== 'succeeded') throw new Error(`query ${outcome.queryId} did not finish`);
      io.stdout.write(render(outcome.rows, query, format));
      return 0;
    } catch (err) {
      if (err instanceof QueryParameterError) throw new UsageError(err.message, NAME);
      throw err;
    } finally {
      await engine.close();
    }
  },
};

function formatOption(value: string | undefined): Format {
  if (value === undefined) return 'table';
  if (!(FORMATS as readonly string[]).includes(value)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}; got "${value}"`, NAME);
  }
  return value as Format;
}

/** `key=value` pairs → named parameters; the value may contain `=`; a key may appear once. */
function parseParams(pairs: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at === -1 ? '' : pair.slice(0, at).trim();
    if (!key) throw new UsageError(`--param must be key=value; got "${pair}"`, NAME);
    if (key in params) throw new UsageError(`--param ${key} is given twice`, NAME);
    params[key] = pair.slice(at + 1);
  }
  return params;
}

function describe(q: SavedQuery) {
  return { name: q.name, description: q.description, parameters: q.parameters, columns: q.columns };
}

function listText(queries: readonly SavedQuery[]): string {
  const width = Math.max(...queries.map((q) => q.name.length));
  return queries.map((q) => `${q.name.padEnd(width)}  ${q.description}\n`).join('');
}

/** Rows in the chosen format; the header comes from the query's documented columns, so 0 rows still show it. */
export function render(rows: readonly QueryRow[], query: SavedQuery, format: Format): string {
  const columns = rows.length > 0 ? Object.keys(rows[0] as QueryRow) : query.columns.map((c) => c.name);
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === 'csv') {
    const lines = [columns.map(csvCell), ...rows.map((r) => columns.map((c) => csvCell(r[c] ?? null)))];
    return lines.map((cells) => `${cells.join(',')}\r\n`).join('');
  }
  const cells = rows.map((r) => columns.map((c) => tableCell(r[c] ?? null)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === 'number'));
  const line = (values: readonly string[]) =>
    `${values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd()}\n`;
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
    `(${rows.length} row${rows.length === 1 ? '' : 's'})\n`,
  ].join('');
}

function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const MAX_CELL = 60;

/** A cell for a terminal: control characters (untrusted annotations may carry escapes) shown as `·`. */
function tableCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value).replace(/[\u0000-\u001f\u007f-\u009f]/g, '·');
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}
