/**
 * `gtm scorecard report` on the sample world: every format carries the five KPIs and its content hash; the same
 * as-of gives the same bytes (the PDF too); the PDF's text reads back (pdftotext, Debian poppler-utils, installed by
 * .ci/run); bad options are usage errors (exit 2).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSampleWorld } from '../../workbench/sampleWorld';
import { runGtm } from '../../test-support/runGtm';
import { trendDates } from '../scorecard';

let dir: string;
let store: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-scorecard-'));
  store = path.join(dir, 'store.duckdb');
  await buildSampleWorld(store);
}, 60_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const report = (...args: string[]) =>
  runGtm(['scorecard', 'report', '--as-of', '2026-05-30', '--store', store, ...args]);
const LABELS = [
  'Pilot start rate',
  'Pilot-to-production conversion',
  'Time to activation',
  'Security review cycle time',
  'Logo churn (90-day cohort)'
];

describe('gtm scorecard report', () => {
  it('weekly trend points from the first Monday after the start to the as-of date (13 for day 90)', () => {
    const dates = trendDates('2026-03-02', '2026-05-30T00:00:00Z');
    expect(dates).toHaveLength(13);
    expect(dates[0]).toBe('2026-03-09');
    expect(dates.at(-1)).toBe('2026-05-30');
  });

  it('markdown: the five KPIs, censoring visible, the portfolio, and the hash of the content above the footer', () => {
    const r = report('--format', 'md');
    expect(r.code).toBe(0);
    for (const label of LABELS) expect(r.stdout).toContain(`### ${label}`);
    // censoring visible: pilots whose 60-day window is open on day 90 are at risk, not in the rate
    expect(r.stdout).toMatch(
      /### Pilot-to-production conversion\n\n- .+\n- n \d+, outcomes \d+, provisional: \d+ at risk\n- progress .+ status \*\*Provisional\*\*/
    );
    expect(r.stdout).toContain(
      '| exp-001 PQA-triggered enterprise outbound | Running | randomized; target accounts matched, not randomized'
    );
    expect(r.stdout).toContain('pre/post, not randomized');
    const [body, footer] = r.stdout.split('\n---\n');
    const hash = /Content hash \(SHA-256 of everything above\): ([0-9a-f]{64})/.exec(footer!)![1];
    expect(hash).toBe(createHash('sha256').update(body!).digest('hex'));
    expect(report('--format', 'md').stdout).toBe(r.stdout);
  });

  it('csv: one row per KPI at the as-of date; json: the same numbers', () => {
    const csv = report('--format', 'csv').stdout.split('\n');
    expect(csv[0]).toBe(
      'kpi,as_of,value,ci_low,ci_high,n,events,at_risk,baseline,target,progress,status,provisional,definition_hash'
    );
    expect(csv.slice(1, 6).map((l) => l.split(',')[0])).toEqual([
      'Pilot_Start_Rate',
      'Pilot_To_Production',
      'Time_To_Activation',
      'Security_Review_Cycle',
      'Logo_Churn_90'
    ]);
    const json = JSON.parse(report('--format', 'json').stdout) as { kpis: { key: string; n: number }[] };
    expect(json.kpis.map((k) => [k.key, String(k.n)])).toEqual(
      csv.slice(1, 6).map((l) => [l.split(',')[0], l.split(',')[5]])
    );
  });

  it('pdf: two runs are byte-identical and the text reads back', () => {
    const a = path.join(dir, 'a.pdf');
    const b = path.join(dir, 'b.pdf');
    expect(report('--format', 'pdf', '--output', a).code).toBe(0);
    expect(report('--format', 'pdf', '--output', b).code).toBe(0);
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    const text = spawnSync('pdftotext', ['-layout', a, '-'], { encoding: 'utf8' });
    expect(text.status).toBe(0);
    const flat = text.stdout.replace(/\s+/g, ' ');
    expect(flat).toContain('Day-90 scorecard as of 2026-05-30');
    for (const label of LABELS) expect(flat).toContain(label);
    expect(flat).toMatch(/Content hash \(SHA-256 of everything above\): [0-9a-f]{20}/);
  }, 60_000);

  it('carries the rollout audit of the same as-of in md, html, csv and pdf, as gtm scorecard audit gives it', () => {
    const audit = JSON.parse(
      runGtm(['scorecard', 'audit', '--as-of', '2026-05-30', '--store', store, '--dry-run', '--json']).stdout
    ) as { status: string; sections: { key: string; title: string; status: string; reason: string; n: number }[] };
    expect(audit.sections.map((s) => s.key)).toEqual(['data_quality', 'handoff_reliability', 'support_burden']);
    const md = report('--format', 'md').stdout;
    expect(md).toContain(`## Rollout audit (${audit.status})`);
    const html = report('--format', 'html').stdout;
    const csv = report('--format', 'csv').stdout.split('\n');
    for (const s of audit.sections) {
      expect(md).toContain(`### ${s.title}: ${s.status}\n\n- ${s.reason}\n- n ${s.n}; thresholds: `);
      expect(html).toContain(`<h3 id="audit-${s.key}">${s.title}: ${s.status}</h3>`);
      expect(csv).toContain(`rollout_audit.${s.key},2026-05-30,,,,${s.n},,,,,,${s.status},,`);
    }
    const pdf = path.join(dir, 'audit.pdf');
    expect(report('--format', 'pdf', '--output', pdf).code).toBe(0);
    const flat = spawnSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
    expect(flat).toContain(`Rollout audit (${audit.status})`);
    for (const s of audit.sections) expect(flat).toContain(`${s.title}: ${s.status}`);
  }, 120_000);

  it('refuses an unknown format and a pdf without --output (exit 2)', () => {
    const bad = report('--format', 'docx');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format docx: expected one of md, html, pdf, csv, json');
    expect(report('--format', 'pdf').stderr).toContain('--format pdf needs --output');
  });

  // before: a bad --from or --to was reported as "--as-of ..."
  it('scorecard changes names the option whose date is wrong (exit 2)', () => {
    const bad = runGtm(['scorecard', 'changes', '--from', '2026-02-30', '--to', 'soon', '--store', store]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from "2026-02-30" is not a day of the calendar');
    const to = runGtm(['scorecard', 'changes', '--from', '2026-03-09', '--to', 'soon', '--store', store]);
    expect(to.code).toBe(2);
    expect(to.stderr).toContain('--to "soon" is not a date or an instant');
  });
});
