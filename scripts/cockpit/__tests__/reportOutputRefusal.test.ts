import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../../lib/errors';
import { writeReportPdf } from '../scorecardReport';

// `gtm scorecard report` and `gtm readout monthly` --format pdf --output F: a place that takes no file is the user's
// input, named (exit 1), not an unexpected failure (before: exit 70 with "please report it"; earlier still, under
// /proc, Node's recursive mkdir spun forever)
const onLinux = fs.existsSync('/proc/self') ? it : it.skip;
const HTML = '<!doctype html><html><body><p>report</p></body></html>';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-report-output-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

onLinux('a pdf --output under /proc is an input error naming the file', async () => {
  const file = '/proc/gtm-report-output/report.pdf';
  const run = writeReportPdf(HTML, '2026-05-30', file);
  await expect(run).rejects.toBeInstanceOf(InputError);
  await expect(writeReportPdf(HTML, '2026-05-30', file)).rejects.toThrow(
    /--output \/proc\/gtm-report-output\/report\.pdf: cannot write: a read-only or virtual file system/
  );
});

it('a pdf --output whose folder is a file is an input error; a missing folder is made', async () => {
  fs.writeFileSync(path.join(dir, 'taken'), 'x');
  await expect(writeReportPdf(HTML, '2026-05-30', path.join(dir, 'taken', 'r.pdf'))).rejects.toBeInstanceOf(InputError);
  const made = path.join(dir, 'new', 'r.pdf');
  await writeReportPdf(HTML, '2026-05-30', made);
  expect(fs.readFileSync(made).subarray(0, 5).toString('latin1')).toBe('%PDF-');
});
