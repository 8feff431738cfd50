/** CSV cells as RFC 4180 quotes them, with spreadsheet formulas neutralized (src/api/csv.ts). */
import { describe, expect, it } from 'vitest';
import { csvCell, csvRow, toCsv } from '../../src/api/csv.js';

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['é 漢字 🚀', 'é 漢字 🚀'],
  ])('quotes %j only when it must: %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it.each([
    ['=1+1', "'=1+1"],
    ['+SUM(A1:A2)', "'+SUM(A1:A2)"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=cmd', "'\t=cmd"],
    ['\r=cmd', `"'\r=cmd"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['=cmd|" /C calc"!A0,x', `"'=cmd|"" /C calc""!A0,x"`],
  ])('neutralizes the formula %j as %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('leaves a formula character inside a cell, numbers and nulls alone', () => {
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('sg-0a1b')).toBe('sg-0a1b');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });
});

describe('toCsv', () => {
  it('writes a header and one CRLF-terminated line per row, in the header order', () => {
    expect(csvRow(['a', null, '=x'])).toBe("a,,'=x\r\n");
    expect(
      toCsv(
        ['id', 'note'],
        [
          { note: 'x, y', id: '1' },
          { id: '-2', note: null },
        ],
      ),
    ).toBe('id,note\r\n1,"x, y"\r\n\'-2,\r\n');
  });
});
