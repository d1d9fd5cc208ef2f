/** `gtm usage sync --then-pqa`: the exp-001 qualification chained after a sync that wrote, on the same store. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runGtm } from '../../test-support/runGtm';
import { HEADER, ticketRows } from '../../test-support/ticketExport';

jest.setTimeout(120_000);

const WEEK = 2930; // the ISO week starting Monday 2026-03-02

let dir: string;
let input: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-then-pqa-'));
  input = path.join(dir, 'tickets.csv');
  fs.writeFileSync(
    input,
    `${HEADER}\n${ticketRows([{ account: 'acme', weekIndex: WEEK, total: 30, ai: 20 }], 'a').join('\n')}\n`
  );
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const sync = (...more: string[]) =>
  runGtm([
    'usage',
    'sync',
    input,
    '--store',
    path.join(dir, 'store.duckdb'),
    '--create-accounts',
    '--as-of',
    '2026-12-01',
    '--no-cache',
    ...more
  ]);

describe('gtm usage sync --then-pqa', () => {
  it('runs gtm pqa sync after the sync, on the same store and as-of', () => {
    const r = sync('--then-pqa');
    expect(r.code).toBe(0);
    const [usagePart, pqaPart] = r.stdout.split('exp-001: gtm pqa sync\n');
    expect(usagePart).toBeDefined();
    // the qualification's own summary, judged as of the sync's as-of over the store the sync wrote
    expect(pqaPart).toMatch(/^1 accounts as of 2026-12-01T00:00:00Z: 0 PQA, 0 signal\(s\) written/);
    expect(pqaPart).toMatch(/acme +- +- +not eligible: not a target account/);
    expect(sync().stdout).not.toContain('gtm pqa sync');
  });

  it('is a usage error (exit 2) with --json or --dry-run, before anything is read or written', () => {
    for (const flag of ['--json', '--dry-run']) {
      const r = sync('--then-pqa', flag);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--then-pqa');
      expect(fs.existsSync(path.join(dir, 'store.duckdb'))).toBe(false);
    }
  });
});
