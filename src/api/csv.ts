/**
 * CSV as RFC 4180 writes it (comma-separated, CRLF line ends, a field quoted when it holds a
 * comma, a quote or a line break, quotes doubled), made safe to open in a spreadsheet.
 *
 * Every text here can come from another account (resource ids, annotations, tag-like names), and
 * a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (CSV injection:
 * `=HYPERLINK(…)`, `@SUM(…)`, DDE payloads). Such a cell gets a leading `'`, which spreadsheets
 * show as text and do not evaluate; so does a cell starting with a tab or a carriage return, which
 * some spreadsheets strip before looking for a formula.
 * https://owasp.org/www-community/attacks/CSV_Injection
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: null is empty; formula starts neutralized; quoted when needed. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One line, CRLF-terminated. */
export function csvRow(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** A header line and one line per row, the row's values in the header's order. */
export function toCsv<K extends string>(
  header: readonly K[],
  rows: readonly Readonly<Record<K, string | number | null>>[],
): string {
  return csvRow(header) + rows.map((row) => csvRow(header.map((name) => row[name]))).join('');
}
