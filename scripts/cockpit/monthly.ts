/**
 * The monthly executive readout (the seed's operating model: "Monthly: executive business impact readout with
 * kill/scale decisions"; design C3.8): every locked experiment judged at the month's last day, with the portfolio
 * table, one section per experiment, what changed since the previous month's readout, the low-signal list and the
 * decisions needed with owner and due date, and the rollout audit at the month's last day (rolloutAudit.ts).
 * Markdown, HTML (and the PDF printed from it, scorecardReport.ts), CSV or JSON; the same store and month give the
 * same bytes, with the content hash in the footer. The HTML is the Markdown's own lines turned into elements (with
 * the audit as the board report's tiles), so the two never say different things.
 */
import { createHash } from 'node:crypto';
import type { Policy } from '../policy/policy';
import { loadRegistry } from '../registry/registry';
import type { LocalStore } from '../store/localStore';
import { toCsvLine } from '../usage/csvRecords';
import type { LowSignalRow } from './lowSignal';
import type { ExperimentReadout } from './readout';
import { buildReadouts } from './readoutStore';
import { auditMarkdown, loadAuditInput, rolloutAudit, type RolloutAudit } from './rolloutAudit';
import { auditHtml, esc, REPORT_STYLE } from './scorecardReport';

export const MONTHLY_FORMATS = ['md', 'html', 'pdf', 'csv', 'json'] as const;
export type MonthlyFormat = (typeof MONTHLY_FORMATS)[number];

export interface MonthlyReadout {
  month: string;
  asOf: string;
  previousAsOf: string;
  experiments: {
    readout: ExperimentReadout;
    hypothesis: string;
    owner: string;
    /** the previous month's recommendation, null when there was no readout then */
    previous: string | null;
  }[];
  lowSignal: LowSignalRow[];
  skipped: { experiment: string; reason: string }[];
  /** the rollout audit at the month's last day */
  rolloutAudit: RolloutAudit;
}

/** The last day of a YYYY-MM month, and of the month before. */
export function monthEnds(month: string): { asOf: string; previousAsOf: string } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new Error(`--month ${month} is not a month written YYYY-MM`);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  const last = (y: number, i: number) => new Date(Date.UTC(y, i + 1, 0)).toISOString().slice(0, 10);
  return { asOf: last(year, index), previousAsOf: last(year, index - 1) };
}

export async function buildMonthly(store: LocalStore, policy: Policy, month: string): Promise<MonthlyReadout> {
  const { asOf, previousAsOf } = monthEnds(month);
  const now = await buildReadouts(store, policy, `${asOf}T00:00:00Z`);
  const before = await buildReadouts(store, policy, `${previousAsOf}T00:00:00Z`);
  const registry = new Map(loadRegistry(policy).experiments.map((e) => [String(e.Experiment_Key__c), e]));
  return {
    month,
    asOf,
    previousAsOf,
    experiments: now.readouts.map((r) => ({
      readout: r,
      hypothesis: String(registry.get(r.experiment)?.Hypothesis__c ?? ''),
      owner: String(registry.get(r.experiment)?.Owner_Role__c ?? ''),
      previous: before.readouts.find((b) => b.experiment === r.experiment)?.recommendation ?? null
    })),
    lowSignal: now.lowSignal,
    skipped: now.skipped,
    rolloutAudit: rolloutAudit(await loadAuditInput(store, `${asOf}T00:00:00Z`), policy, `${asOf}T00:00:00Z`)
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const fmt = (x: number | null) => (x === null ? '-' : x.toFixed(3));
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown in three parts: up to the low-signal list, the rollout audit, the decisions needed. */
function markdownParts(m: MonthlyReadout): [string[], string[], string[]] {
  const out: string[] = [`# Monthly readout ${m.month} (as of ${m.asOf})`, ''];
  out.push('## Portfolio', '');
  out.push('| experiment | design | n (T / C) vs min | estimate (T vs C, improvement) | recommendation | owner |');
  out.push('|---|---|---|---|---|---|');
  for (const e of m.experiments) {
    const r = e.readout;
    out.push(
      `| ${cell(`${r.experiment} ${r.name}`)} | ${r.designLabel} | ${r.arms.map((a) => a.n).join(' / ')} vs ${r.validity.minSamplePerArm} | ${fmt(r.estimate.treatment)} vs ${fmt(r.estimate.control)} (${pct(r.estimate.relativeImprovement)}) | ${r.recommendation} | ${cell(e.owner)} |`
    );
  }
  out.push('', '## Changed since the last readout', '');
  for (const e of m.experiments)
    out.push(
      `- ${e.readout.experiment}: ${e.previous === null ? `no readout on ${m.previousAsOf}` : e.previous === e.readout.recommendation ? `still ${e.previous}` : `${e.previous} -> ${e.readout.recommendation}`}`
    );
  out.push('', '## Experiments', '');
  for (const e of m.experiments) {
    const r = e.readout;
    out.push(`### ${r.experiment} ${r.name}`, '');
    out.push(`- hypothesis: ${e.hypothesis}`);
    out.push(
      `- design: ${r.designLabel}; method ${r.method}; primary KPI ${r.primaryKpi} (${r.direction.toLowerCase()})`
    );
    for (const a of r.arms)
      out.push(
        `- ${a.arm} (${a.label}): n ${a.n}, outcomes ${a.events}, value ${fmt(a.value)}, still open ${a.atRisk}`
      );
    out.push(`- test: ${r.estimate.test}; one-sided p ${r.estimate.p === null ? 'n/a' : r.estimate.p.toPrecision(3)}`);
    for (const g of r.guardrails) out.push(`- guardrail ${g.name}: ${g.status} (${g.detail})`);
    out.push(
      `- validity: minimum ${r.validity.minSamplePerArm} ${r.validity.minSampleCounts} per arm ${r.validity.minSampleMet ? 'met' : 'not met'}; ` +
        `sample-ratio p ${r.validity.srmP === null ? 'n/a' : r.validity.srmP.toPrecision(3)}; ` +
        `freshness ${r.validity.freshness ?? 'no records'}`
    );
    out.push(`- recommendation: **${r.recommendation}**`);
    for (const f of r.fired) out.push(`  - ${f.outcome}: ${f.text}`);
    out.push('');
  }
  out.push('## Low-signal list', '');
  for (const l of m.lowSignal)
    out.push(
      `- ${l.experiment}: ${l.counts === 'events' ? 'events' : 'n'} ${l.currentN} now, projected ${l.projectedN} by ${l.decisionDate} against ${l.minSamplePerArm}` +
        (l.cannotReach ? ` (cannot reach sample, ${l.shortfall} short)` : ' (on track)')
    );
  if (!m.lowSignal.length) out.push('- none before their decision date');
  out.push('');
  const decisions: string[] = ['## Decisions needed', ''];
  for (const e of m.experiments)
    decisions.push(
      `- ${e.readout.experiment}: ${e.readout.recommendation}, owner ${e.owner}, due ${e.readout.decisionDate ?? 'no decision date'}`
    );
  for (const s of m.skipped) decisions.push(`- ${s.experiment}: no readout (${s.reason})`);
  decisions.push('');
  return [out, auditMarkdown(m.rolloutAudit), decisions];
}

function markdown(m: MonthlyReadout): string {
  return markdownParts(m).flat().join('\n');
}

/** `**x**` as <strong>, the rest escaped. */
const inline = (s: string) => esc(s).replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');

/**
 * The Markdown lines this file writes as HTML: headings, bullets (one level of nesting), the pipe table (`\|`
 * inside a cell is a pipe), blank lines. Nothing else is written, so nothing else is read.
 */
function linesToHtml(lines: readonly string[]): string {
  const out: string[] = [];
  let list = 0; // open <ul> levels
  let table = false;
  const closeLists = (to: number) => {
    for (; list > to; list--) out.push('</ul>');
  };
  for (const line of lines) {
    const heading = /^(#{1,3}) (.*)$/.exec(line);
    const bullet = /^( *)- (.*)$/.exec(line);
    if (table && !line.startsWith('|')) {
      out.push('</tbody></table>');
      table = false;
    }
    if (heading) {
      closeLists(0);
      out.push(`<h${heading[1]!.length}>${inline(heading[2]!)}</h${heading[1]!.length}>`);
    } else if (bullet) {
      const level = bullet[1]!.length / 2 + 1;
      if (level > list) for (; list < level; list++) out.push('<ul>');
      else closeLists(level);
      out.push(`<li>${inline(bullet[2]!)}</li>`);
    } else if (line.startsWith('|')) {
      closeLists(0);
      const cells = line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/\\\|/g, '|'));
      if (cells.every((c) => /^-+$/.test(c))) continue;
      if (!table) {
        out.push(
          `<table><thead><tr>${cells.map((c) => `<th scope="col">${inline(c)}</th>`).join('')}</tr></thead><tbody>`
        );
        table = true;
      } else out.push(`<tr>${cells.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`);
    } else if (line.trim() === '') closeLists(0);
    else {
      closeLists(0);
      out.push(`<p>${inline(line)}</p>`);
    }
  }
  if (table) out.push('</tbody></table>');
  closeLists(0);
  return out.join('\n');
}

function html(m: MonthlyReadout): string {
  const [head, , decisions] = markdownParts(m);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Monthly readout ${esc(m.month)}</title>
<style>
${REPORT_STYLE}</style></head>
<body><main>
${linesToHtml(head)}
${auditHtml(m.rolloutAudit)}${linesToHtml(decisions)}
</main>
`;
}

function csv(m: MonthlyReadout): string {
  const lines = [
    toCsvLine([
      'month',
      'as_of',
      'experiment',
      'design',
      'n_treatment',
      'n_control',
      'min_per_arm',
      'treatment',
      'control',
      'improvement',
      'p',
      'recommendation',
      'previous'
    ])
  ];
  for (const e of m.experiments) {
    const r = e.readout;
    const t = r.arms.find((a) => a.arm === 'Treatment')!;
    const c = r.arms.find((a) => a.arm === 'Control')!;
    const n = (x: number | null) => (x === null ? '' : String(Number(x.toFixed(6))));
    lines.push(
      toCsvLine([
        m.month,
        m.asOf,
        r.experiment,
        r.design,
        String(t.n),
        String(c.n),
        String(r.validity.minSamplePerArm),
        n(r.estimate.treatment),
        n(r.estimate.control),
        n(r.estimate.relativeImprovement),
        r.estimate.p === null ? '' : r.estimate.p.toPrecision(6),
        r.recommendation,
        e.previous ?? ''
      ])
    );
  }
  // the rollout audit: one row per section, its status in the recommendation column
  for (const s of m.rolloutAudit.sections)
    lines.push(toCsvLine([m.month, m.asOf, `rollout_audit.${s.key}`, '', '', '', '', '', '', '', '', s.status, '']));
  return `${lines.join('\n')}\n`;
}

/** The readout in one format, ending with the SHA-256 of everything above it. */
export function renderMonthly(m: MonthlyReadout, format: MonthlyFormat): string {
  if (format === 'html' || format === 'pdf') {
    const body = html(m);
    return `${body}<footer>Content hash (SHA-256 of everything above): ${sha256(body)}</footer>\n</body></html>\n`;
  }
  if (format === 'json') {
    const body = JSON.stringify(m, null, 2);
    return `${JSON.stringify({ ...m, contentHash: sha256(body) }, null, 2)}\n`;
  }
  if (format === 'csv') {
    const body = csv(m);
    return `${body}# content hash (SHA-256 of the lines above): ${sha256(body)}\n`;
  }
  const body = markdown(m);
  return `${body}\n---\nContent hash (SHA-256 of everything above): ${sha256(body)}\n`;
}
