import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { aggregateExport } from '../aggregate';
import { readCsvRecords } from '../csvRecords';
import { toUtf8 } from '../encoding';
import { LineLayout, scanRange } from '../lineScan';

jest.setTimeout(120_000);

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-limits-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => jest.restoreAllMocks());

const H = 'ticket_id,account_id,created_at,resolved_at,resolution';
const ROW = 'T1,A,2026-03-02T10:00:00Z,,ai';

describe('a header that names a column twice', () => {
  it.each([
    ['two ticket_id', `${H},ticket_id\n${ROW},T2\n`, /:1: column ticket_id appears 2 times \(columns 1 and 6\)/],
    [
      'spelled differently but the same trimmed, any case',
      `ticket_id,account_id,created_at,resolved_at,resolution, Account_ID \n${ROW},B\n`,
      /:1: column account_id appears 2 times \(columns 2 and 6\)/
    ]
  ])('is refused naming both positions (%s), by both engines', async (_name, text, message) => {
    const f = path.join(dir, 'dup.csv');
    fs.writeFileSync(f, text);
    await expect(aggregateExport(f)).rejects.toThrow(message);
    await expect(aggregateExport(f, () => {}, { engine: 'exact' })).rejects.toThrow(message);
  });

  it('columns the rules do not read may repeat (a spreadsheet leaves empty header cells)', async () => {
    const f = path.join(dir, 'extra.csv');
    fs.writeFileSync(f, `${H},,,note,note\n${ROW},,,a,b\n`);
    expect(await aggregateExport(f)).toMatchObject({ tickets: 1, rejects: [] });
    // channel is in the spec but no rule reads it: two of them (a joined export) stop nothing, in either engine
    fs.writeFileSync(f, `${H},channel,CHANNEL\n${ROW},email,chat\n`);
    expect(await aggregateExport(f)).toMatchObject({ tickets: 1, rejects: [] });
    expect(await aggregateExport(f, () => {}, { engine: 'exact' })).toMatchObject({ tickets: 1, rejects: [] });
  });
});

describe('a record that never ends', () => {
  const layout: LineLayout = { columns: 5, ticket: 0, account: 1, created: 2, resolved: 3, resolution: 4 };
  const endless = () => {
    // a header, then 48 MB of zeros without a line break (what a truncated or mis-exported file looks like)
    const f = path.join(dir, 'endless.csv');
    const fd = fs.openSync(f, 'w');
    fs.writeSync(fd, `${H}\n`);
    const zeros = Buffer.alloc(1 << 20, 0x30);
    for (let i = 0; i < 48; i++) fs.writeSync(fd, zeros);
    fs.closeSync(fd);
    return f;
  };

  it('the fast path stops reading once the line is too long, without holding it', () => {
    const f = endless();
    // the module itself (the import above is a copy of its bindings)
    const read = jest.spyOn(jest.requireActual<typeof fs>('node:fs'), 'readSync');
    const scan = scanRange(f, 0, fs.statSync(f).size, layout, true);
    expect(scan.ok).toBe(false);
    expect(read).toHaveBeenCalled();
    const bytes = read.mock.results.reduce((n, r) => n + (r.value as number), 0);
    // its one 4 MB buffer, not the 48 MB line
    expect(bytes).toBeLessThanOrEqual(4 << 20);
  });

  it('the exact reader refuses it past 1 MB, having read little more', async () => {
    let given = 0;
    async function* zeros() {
      yield Buffer.from(`${H}\n`);
      for (let i = 0; i < 48; i++) {
        given += 1 << 20;
        yield Buffer.alloc(1 << 20, 0x30);
      }
    }
    await expect(readCsvRecords(Readable.from(toUtf8(zeros(), undefined)), () => {})).rejects.toThrow(
      /the record starting on line 2 is longer than 1 MB/
    );
    expect(given).toBeLessThanOrEqual(3 << 20);
  });

  it('a sync of such a file is refused with the line it starts on, without reading it all', async () => {
    const f = endless();
    const read = jest.spyOn(jest.requireActual<typeof fs>('node:fs'), 'readSync');
    await expect(aggregateExport(f)).rejects.toThrow(/endless\.csv:2: .*longer than 1 MB/);
    // on this thread: the first bytes, the header's megabyte, and at most a record's limit past each cut between
    // the parallel ranges (not the rest of the file, looking for a line break)
    const bytes = read.mock.results.reduce((n, r) => n + (typeof r.value === 'number' ? r.value : 0), 0);
    expect(bytes).toBeLessThanOrEqual(12 << 20);
  });
});
