/**
 * `gtm readout monthly` on the sample world: month ends, changes since the last month, same bytes twice, the rollout
 * audit at the month's end in every format, the PDF's text read back (pdftotext, Debian poppler-utils, installed by
 * .ci/run), usage errors.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runGtm } from '../../test-support/runGtm';
import { buildSampleWorld } from '../../workbench/sampleWorld';
import { monthEnds } from '../monthly';

jest.setTimeout(180_000);

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
    expect(r.stdout).toContain(
      '| exp-001 PQA-triggered enterprise outbound | randomized; target accounts matched, not randomized'
    );
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
    const pdf = monthly('--month', '2026-04', '--format', 'pdf');
    expect(pdf.code).toBe(2);
    expect(pdf.stderr).toContain('--format pdf needs --output');
    expect(monthly('--month', '2026-04', '--format', 'docx').stderr).toContain(
      '--format docx: expected one of md, html, pdf, csv, json'
    );
  });

  it("the rollout audit at the month's last day in md, html, csv and json, as gtm scorecard audit gives it", () => {
    const audit = JSON.parse(
      runGtm(['scorecard', 'audit', '--as-of', '2026-04-30', '--store', store, '--dry-run', '--json']).stdout
    ) as { status: string; sections: { key: string; title: string; status: string; reason: string }[] };
    const md = monthly('--month', '2026-04').stdout;
    const html = monthly('--month', '2026-04', '--format', 'html').stdout;
    const csv = monthly('--month', '2026-04', '--format', 'csv').stdout.split('\n');
    const json = JSON.parse(monthly('--month', '2026-04', '--format', 'json').stdout) as {
      rolloutAudit: { status: string; sections: unknown[] };
    };
    expect(md).toContain(`## Rollout audit (${audit.status})`);
    // before the decisions, after the low-signal list
    expect(md.indexOf('## Low-signal list')).toBeLessThan(md.indexOf('## Rollout audit'));
    expect(md.indexOf('## Rollout audit')).toBeLessThan(md.indexOf('## Decisions needed'));
    for (const s of audit.sections) {
      expect(md).toContain(`### ${s.title}: ${s.status}\n\n- ${s.reason}\n`);
      expect(html).toContain(`<h3 id="audit-${s.key}">${s.title}: ${s.status}</h3>`);
      expect(csv).toContain(`2026-04,2026-04-30,rollout_audit.${s.key},,,,,,,,,${s.status},`);
    }
    expect(json.rolloutAudit).toEqual({ asOf: '2026-04-30T00:00:00Z', ...audit, dry_run: undefined });
  });

  it('html carries what the markdown says, with its hash; the pdf is byte-identical twice and its text reads back', () => {
    const md = monthly('--month', '2026-04').stdout;
    const html = monthly('--month', '2026-04', '--format', 'html').stdout;
    const [body, footer] = html.split('<footer>');
    expect(footer).toBe(
      `Content hash (SHA-256 of everything above): ${createHash('sha256').update(body!).digest('hex')}</footer>\n</body></html>\n`
    );
    // every bullet of the experiments' sections is an <li> of the html
    const experiments = md.slice(md.indexOf('## Experiments'), md.indexOf('## Low-signal list'));
    const bullets = experiments.split('\n').filter((l) => l.startsWith('- '));
    expect(bullets.length).toBeGreaterThan(4);
    const unescape = (s: string) => s.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>').replace(/->/g, '-&gt;');
    for (const b of bullets) expect(html).toContain(`<li>${unescape(b.slice(2))}</li>`);
    expect(html).toContain('<th scope="col">experiment</th>');
    const a = path.join(dir, 'a.pdf');
    const b = path.join(dir, 'b.pdf');
    expect(monthly('--month', '2026-04', '--format', 'pdf', '--output', a).code).toBe(0);
    expect(monthly('--month', '2026-04', '--format', 'pdf', '--output', b).code).toBe(0);
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    const text = spawnSync('pdftotext', ['-layout', a, '-'], { encoding: 'utf8' });
    expect(text.status).toBe(0);
    const flat = text.stdout.replace(/\s+/g, ' ');
    expect(flat).toContain('Monthly readout 2026-04 (as of 2026-04-30)');
    expect(flat).toContain('exp-001 PQA-triggered enterprise outbound');
    expect(flat).toContain('Rollout audit');
    expect(flat).toContain('Decisions needed');
    expect(flat).toMatch(/Content hash \(SHA-256 of everything above\): [0-9a-f]{20}/);
  });
});
