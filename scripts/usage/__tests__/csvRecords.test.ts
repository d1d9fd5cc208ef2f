import { Readable } from 'node:stream';
import { CsvRecord, readCsvRecords, toCsvLine } from '../csvRecords';

/** Feeds the text in chunks of `size` bytes so records cross chunk boundaries. */
async function read(text: string | Buffer, size = 3): Promise<CsvRecord[]> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const out: CsvRecord[] = [];
  await readCsvRecords(Readable.from(chunks), (r) => out.push(r));
  return out;
}

describe('readCsvRecords', () => {
  it.each([1, 2, 3, 7, 64, 1 << 16])(
    'reads quoting, CRLF, BOM, blank lines and line numbers (chunks of %i)',
    async (size) => {
      const text = '\ufeffa,b,c\r\n1,"x, y",3\r\n\r\n"multi\nline","say ""hi""",\r\n4,5,6';
      expect(await read(text, size)).toEqual([
        { line: 1, fields: ['a', 'b', 'c'] },
        { line: 2, fields: ['1', 'x, y', '3'] },
        { line: 4, fields: ['multi\nline', 'say "hi"', ''] },
        { line: 6, fields: ['4', '5', '6'] }
      ]);
    }
  );

  it('keeps UTF-8 characters that cross chunk boundaries', async () => {
    expect(await read('a\nZürich,東京\n', 1)).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, fields: ['Zürich', '東京'] }
    ]);
  });

  it('flags malformed quoting per record instead of stopping', async () => {
    const rows = await read('a,b\n"x"y,2\nab"c,3\nok,4\n');
    expect(rows.map((r) => [r.line, r.malformed])).toEqual([
      [1, undefined],
      [2, expect.stringContaining('text after a closing quote')],
      [3, 'a quote inside an unquoted value'],
      [4, undefined]
    ]);
  });

  it('stops with the line of a quote that is never closed', async () => {
    await expect(read('a,b\n1,2\n"open,3\n4,5\n')).rejects.toThrow('a quoted value starting on line 3 is never closed');
  });

  it('a trailing comma is an empty last field; a file without a final newline still ends its record', async () => {
    expect(await read('a,b\n1,\n2,3')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', ''] },
      { line: 3, fields: ['2', '3'] }
    ]);
  });

  it('serializes a raw row back to CSV', () => {
    expect(toCsvLine(['a', 'x, y', 'say "hi"', 'two\nlines'])).toBe('a,"x, y","say ""hi""","two\nlines"');
  });
});
