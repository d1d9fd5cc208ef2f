/** `gtm readout monthly` on the sample world: month ends, changes since the last month, same bytes twice, usage errors. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runGtm } from '../../test-support/runGtm';
import { buildSampleWorld } from '../../workbench/sampleWorld';
import { monthEnds } from '../monthly';

let dir: string;
let store: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-monthly-'));
  store = path.join(dir, 'store.duckdb');
  await buildSampleWorld(store);
}, 60_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const monthly = (...args: string[]) => runGtm(['readout', 'monthly', '--store', store, ...args]);

describe('gtm readout monthly', () => {
  it('judges at the last day of the month, against the last day of the month before', () => {
    expect(monthEnds('2026-04')).toEqual({ asOf: '2026-04-30', previousAsOf: '2026-03-31' });
    expect(monthEnds('2026-03')).toEqual({ asOf: '2026-03-31', previousAsOf: '2026-02-28' });
    expect(monthEnds('2026-01')).toEqual({ asOf: '2026-01-31', previousAsOf: '2025-12-31' });
  });

  it('markdown: portfolio, what changed since March, decisions needed; the same bytes twice with the hash', () => {
    const r = monthly('--month', '2026-04');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# Monthly readout 2026-04 (as of 2026-04-30)');
    expect(r.stdout).toContain('| exp-001 PQA-triggered enterprise outbound | randomized |');
    expect(r.stdout).toMatch(/- exp-001: \w+ -> Invalid/);
    expect(r.stdout).toContain('- exp-005: no readout on 2026-03-31');
    expect(r.stdout).toContain('## Decisions needed');
    const [body, footer] = r.stdout.split('\n---\n');
    expect(footer).toBe(
      `Content hash (SHA-256 of everything above): ${createHash('sha256').update(body!).digest('hex')}\n`
    );
    expect(monthly('--month', '2026-04').stdout).toBe(r.stdout);
  });

  it('csv: one row per experiment with the previous recommendation', () => {
    const lines = monthly('--month', '2026-04', '--format', 'csv').stdout.split('\n');
    expect(lines[0]).toBe(
      'month,as_of,experiment,design,n_treatment,n_control,min_per_arm,treatment,control,improvement,p,recommendation,previous'
    );
    expect(lines.slice(1, 5).map((l) => l.split(',')[2])).toEqual(['exp-001', 'exp-003', 'exp-005', 'exp-008']);
  });

  it('refuses a month not written YYYY-MM and an unknown format (exit 2)', () => {
    const bad = monthly('--month', '2026-4');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--month 2026-4 is not a month written YYYY-MM');
    expect(monthly('--month', '2026-04', '--format', 'pdf').code).toBe(2);
  });
});
