/**
 * The board report of a scorecard (scorecard.ts) as Markdown, HTML, CSV or JSON, and the PDF printed from the HTML
 * with the project's Chromium. Pure text out of plain data: the same scorecard gives the same bytes, and each format
 * ends with the SHA-256 of everything above it (the PDF carries the HTML's hash and the as-of date as its
 * creation date, so two runs are byte-identical).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toCsvLine } from '../usage/csvRecords';
import { describeFsError, InputError, ToolError } from '../lib/errors';
import { makeDirs } from '../lib/writableDir';
import { launchChromium } from '../workbench/browserHarness';
import type { Scorecard as KpiScorecard, ScorecardKpi, TrendPoint } from './scorecard';
import { auditMarkdown, sectionFigures, thresholdText, type RolloutAudit } from './rolloutAudit';

/** The scorecard with the rollout audit at the same as-of (phase 3), when the report carries it. */
export type Scorecard = KpiScorecard & { rolloutAudit?: RolloutAudit };

export const REPORT_FORMATS = ['md', 'html', 'pdf', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function formatValue(k: Pick<ScorecardKpi, 'unit'>, v: number | null): string {
  if (v === null) return 'n/a';
  return k.unit === 'ratio' ? `${(v * 100).toFixed(1)}%` : `${v.toFixed(1)} days`;
}

function actual(k: ScorecardKpi): string {
  if (k.value === null) return k.atLeast !== null ? `> ${k.atLeast.toFixed(1)} days (median not reached)` : 'n/a';
  const i = k.interval;
  const range = i ? ` [${formatValue(k, i.low)} to ${i.high === null ? 'not bounded' : formatValue(k, i.high)}]` : '';
  return `${formatValue(k, k.value)}${range}`;
}

function progressText(k: ScorecardKpi): string {
  return k.progress === null ? 'n/a' : `${Math.round(k.progress * 100)}%`;
}

function riskText(k: ScorecardKpi): string {
  return k.provisional ? `provisional: ${k.atRisk} at risk` : '';
}

const signOff = (row: Scorecard['portfolio'][number]) =>
  row.decision
    ? `${row.decision.decision} by ${row.decision.decidedBy ?? 'unknown'}${row.decision.overrideReason ? ` (override: ${row.decision.overrideReason})` : ''}`
    : 'not signed';

// ---------- Markdown ----------

function bar(progress: number | null): string {
  if (progress === null) return '[----------]';
  const filled = Math.max(0, Math.min(10, Math.round(progress * 10)));
  return `[${'#'.repeat(filled)}${'-'.repeat(10 - filled)}]`;
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function markdownBody(s: Scorecard): string {
  const out: string[] = [];
  out.push(`# Day-90 scorecard as of ${s.asOf.slice(0, 10)}`, '');
  out.push(`Program start ${s.programStart}. Values count only what was known on the as-of date.`, '');
  out.push('## KPIs', '');
  for (const k of s.kpis) {
    out.push(`### ${k.label}`, '');
    out.push(
      `- ${formatValue(k, k.baseline)} -> ${formatValue(k, k.target)} -> **${actual(k)}**`,
      `- n ${k.n}, outcomes ${k.events}${k.provisional ? `, ${riskText(k)}` : ''}`,
      `- progress ${bar(k.progress)} ${progressText(k)}; status **${k.status}** (${k.statusNote})`,
      `- caveat: ${k.caveat}`,
      `- trend: ${k.trend.map((t) => `${t.asOf.slice(5)} ${formatValue(k, t.value)}`).join(', ')}`,
      `- experiments: ${k.experiments.join(', ') || 'none'}`,
      ''
    );
  }
  out.push('## Portfolio', '');
  out.push('| experiment | status | design | n (T / C) | estimate | recommendation | decision and sign-off |');
  out.push('|---|---|---|---|---|---|---|');
  for (const p of s.portfolio) {
    const r = p.readout;
    out.push(
      `| ${mdCell(`${p.experiment} ${p.name}`)} | ${p.status} | ${r ? r.designLabel : '-'} | ${r ? r.arms.map((a) => a.n).join(' / ') : '-'} | ${r ? mdCell(estimateText(r)) : 'no readout'} | ${r ? mdCell(`${r.recommendation}: ${r.fired[0]!.text}`) : '-'} | ${mdCell(signOff(p))} |`
    );
  }
  out.push('', '## Trust and safety', '');
  out.push(`Deals with collateral expiring before close: ${s.safety.collateralExpiringBeforeClose.length}`);
  for (const c of s.safety.collateralExpiringBeforeClose)
    out.push(`- ${c.opportunity}: ${c.collateral} valid until ${c.validUntil}, close ${c.closeDate}`);
  out.push('', `Hallucination gates not passed: ${s.safety.gatesNotPassed.length}`);
  for (const g of s.safety.gatesNotPassed) out.push(`- ${g.opportunity}: ${g.status} (run ${g.runAt})`);
  out.push('');
  if (s.rolloutAudit) out.push(...auditMarkdown(s.rolloutAudit));
  else out.push('');
  out.push('## Definitions', '');
  for (const d of s.definitions) {
    const hash = s.kpis.find((k) => k.key === d.key)?.definitionHash ?? '';
    out.push(
      `- **${d.label}** (${d.key}, ${d.method}, definition ${hash}): ${d.cohort} Outcome on ${d.numerator.object}.${d.numerator.dateField}` +
        `${d.windowKey ? ` within ${d.windowKey} days` : ''}. ${d.censoring} Owner: ${d.ownerRole}.`
    );
  }
  out.push('', '## Next-quarter bets', '');
  for (const b of s.bets) out.push(`- ${b.experiment} ${b.name} (${b.primaryMetric}): ${b.hypothesis}`);
  if (!s.bets.length) out.push('- none proposed');
  out.push('');
  return out.join('\n');
}

function estimateText(r: NonNullable<Scorecard['portfolio'][number]['readout']>): string {
  const e = r.estimate;
  const fmt = (x: number | null) => (x === null ? '-' : x.toFixed(3));
  const rel = e.relativeImprovement === null ? 'n/a' : `${(e.relativeImprovement * 100).toFixed(1)}%`;
  return `${fmt(e.treatment)} vs ${fmt(e.control)} (${rel})`;
}

// ---------- HTML ----------

/** The reports' print style (A4), shared by the scorecard report and the monthly readout. */
export const REPORT_STYLE = `@page { size: A4; margin: 12mm; }
body { font-family: "Liberation Sans", Arial, sans-serif; font-size: 9pt; color: #181818; max-width: 60rem; margin: 0 auto; }
h1 { font-size: 15pt; } h2 { font-size: 11.5pt; border-bottom: 1px solid #bbb; margin-top: 14px; } h3 { font-size: 10pt; margin: 0 0 2px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: 8px; }
.tile { border: 1px solid #bbb; border-radius: 4px; padding: 6px; break-inside: avoid; } .tile p { margin: 2px 0; }
.audit-pass { border-left: 4px solid #2e6b30; } .audit-attention { border-left: 4px solid #8c5a00; } .audit-fail { border-left: 4px solid #8a1c1c; }
.bar { height: 8px; background: #e5e5e5; border-radius: 4px; } .bar span { display: block; height: 8px; background: #2e6b30; border-radius: 4px; }
.trend { display: block; max-width: 100%; height: auto; } .trend .value { fill: none; stroke: #1b4f9c; stroke-width: 2; }
.trend .baseline { stroke: #8a1c1c; stroke-dasharray: 3 2; } .trend .target { stroke: #2e6b30; stroke-dasharray: 3 2; }
.caveat { color: #444; font-style: italic; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #ccc; padding: 2px 4px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
footer { margin-top: 12px; color: #444; font-size: 8pt; overflow-wrap: anywhere; }
`;

export const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A small line chart of the weekly values with the baseline and target as dashed lines. */
export function trendSvg(k: ScorecardKpi): string {
  const w = 220;
  const h = 60;
  const points = k.trend.filter((t): t is TrendPoint & { value: number } => t.value !== null);
  const values = [...points.map((p) => p.value), k.baseline, k.target];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const x = (i: number) => (k.trend.length > 1 ? (i / (k.trend.length - 1)) * (w - 8) + 4 : w / 2);
  const y = (v: number) => h - 4 - ((v - lo) / span) * (h - 8);
  const line = k.trend
    .map((t, i) => (t.value === null ? null : `${x(i).toFixed(1)},${y(t.value).toFixed(1)}`))
    .filter(Boolean)
    .join(' ');
  const label = `${k.label} by week: ${k.trend.map((t) => `${t.asOf} ${formatValue(k, t.value)}`).join('; ')}`;
  return (
    `<svg class="trend" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(label)}">` +
    `<line x1="0" x2="${w}" y1="${y(k.baseline).toFixed(1)}" y2="${y(k.baseline).toFixed(1)}" class="baseline"/>` +
    `<line x1="0" x2="${w}" y1="${y(k.target).toFixed(1)}" y2="${y(k.target).toFixed(1)}" class="target"/>` +
    (line ? `<polyline points="${line}" class="value"/>` : '') +
    '</svg>'
  );
}

function htmlBody(s: Scorecard): string {
  const tiles = s.kpis
    .map(
      (k) => `<section class="tile" aria-labelledby="kpi-${k.key}">
<h3 id="kpi-${k.key}">${esc(k.label)}</h3>
<p class="path">${esc(formatValue(k, k.baseline))} &rarr; ${esc(formatValue(k, k.target))} &rarr; <strong>${esc(actual(k))}</strong></p>
<p>n ${k.n}, outcomes ${k.events}${k.provisional ? `, <em>${esc(riskText(k))}</em>` : ''}</p>
<div class="bar" role="img" aria-label="progress ${esc(progressText(k))}"><span style="width:${Math.max(0, Math.min(100, Math.round((k.progress ?? 0) * 100)))}%"></span></div>
<p>progress ${esc(progressText(k))}; <strong>${esc(k.status)}</strong>: ${esc(k.statusNote)}</p>
${trendSvg(k)}
<p class="caveat">${esc(k.caveat)}</p>
</section>`
    )
    .join('\n');
  const portfolio = s.portfolio
    .map((p) => {
      const r = p.readout;
      return `<tr><td>${esc(`${p.experiment} ${p.name}`)}</td><td>${esc(p.status)}</td><td>${r ? esc(r.designLabel) : '-'}</td><td>${r ? r.arms.map((a) => a.n).join(' / ') : '-'}</td><td>${r ? esc(estimateText(r)) : 'no readout'}</td><td>${r ? esc(`${r.recommendation}: ${r.fired[0]!.text}`) : '-'}</td><td>${esc(signOff(p))}</td></tr>`;
    })
    .join('\n');
  const list = (items: string[]) => (items.length ? `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>` : '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Day-90 scorecard as of ${s.asOf.slice(0, 10)}</title>
<style>
${REPORT_STYLE}</style></head>
<body><main>
<h1>Day-90 scorecard as of ${s.asOf.slice(0, 10)}</h1>
<p>Program start ${esc(s.programStart)}. Values count only what was known on the as-of date. Trend lines: weekly value (blue), baseline (red dashes), target (green dashes).</p>
<h2>KPIs</h2>
<div class="tiles">
${tiles}
</div>
<h2>Portfolio</h2>
<table><thead><tr><th scope="col">experiment</th><th scope="col">status</th><th scope="col">design</th><th scope="col">n (T / C)</th><th scope="col">estimate</th><th scope="col">recommendation</th><th scope="col">decision and sign-off</th></tr></thead>
<tbody>
${portfolio}
</tbody></table>
<h2>Trust and safety</h2>
<p>Deals with collateral expiring before close: ${s.safety.collateralExpiringBeforeClose.length}</p>
${list(s.safety.collateralExpiringBeforeClose.map((c) => `${c.opportunity}: ${c.collateral} valid until ${c.validUntil}, close ${c.closeDate}`))}
<p>Hallucination gates not passed: ${s.safety.gatesNotPassed.length}</p>
${list(s.safety.gatesNotPassed.map((g) => `${g.opportunity}: ${g.status} (run ${g.runAt})`))}
${s.rolloutAudit ? auditHtml(s.rolloutAudit) : ''}<h2>Definitions</h2>
${list(
  s.definitions.map((d) => {
    const hash = s.kpis.find((k) => k.key === d.key)?.definitionHash ?? '';
    return `${d.label} (${d.key}, ${d.method}, definition ${hash}): ${d.cohort} ${d.censoring} Owner: ${d.ownerRole}.`;
  })
)}
<h2>Next-quarter bets</h2>
${list(s.bets.map((b) => `${b.experiment} ${b.name} (${b.primaryMetric}): ${b.hypothesis}`)) || '<p>none proposed</p>'}
</main>
`;
}

/** The rollout audit's three sections as tiles: status, reason, n, thresholds, figures. */
export function auditHtml(a: RolloutAudit): string {
  const tiles = a.sections
    .map(
      (s) => `<section class="tile audit-${s.status}" aria-labelledby="audit-${s.key}">
<h3 id="audit-${s.key}">${esc(s.title)}: ${esc(s.status)}</h3>
<p>${esc(s.reason)}</p>
<p>n ${s.n}; thresholds: ${esc(thresholdText(s))}</p>
${sectionFigures(s)
  .map((f) => `<p>${esc(f)}</p>`)
  .join('\n')}
</section>`
    )
    .join('\n');
  return `<h2>Rollout audit (${esc(a.status)})</h2>
<div class="tiles">
${tiles}
</div>
`;
}

// ---------- CSV / JSON ----------

const CSV_HEADER = [
  'kpi',
  'as_of',
  'value',
  'ci_low',
  'ci_high',
  'n',
  'events',
  'at_risk',
  'baseline',
  'target',
  'progress',
  'status',
  'provisional',
  'definition_hash'
];

function csvBody(s: Scorecard): string {
  const num = (x: number | null | undefined) => (x === null || x === undefined ? '' : String(Number(x.toFixed(6))));
  const lines = [toCsvLine(CSV_HEADER)];
  for (const k of s.kpis)
    lines.push(
      toCsvLine([
        k.key,
        s.asOf.slice(0, 10),
        num(k.value),
        num(k.interval?.low),
        num(k.interval?.high),
        String(k.n),
        String(k.events),
        String(k.atRisk),
        num(k.baseline),
        num(k.target),
        num(k.progress),
        k.status,
        String(k.provisional),
        k.definitionHash
      ])
    );
  for (const a of s.rolloutAudit?.sections ?? []) {
    const cells = CSV_HEADER.map(() => '');
    cells[0] = `rollout_audit.${a.key}`;
    cells[1] = s.asOf.slice(0, 10);
    cells[5] = String(a.n);
    cells[11] = a.status;
    lines.push(toCsvLine(cells));
  }
  return `${lines.join('\n')}\n`;
}

/** The report in one format (pdf: the HTML to print); ends with the content hash of everything above it. */
export function renderReport(s: Scorecard, format: Exclude<ReportFormat, 'pdf'> | 'pdf'): string {
  switch (format) {
    case 'md': {
      const body = markdownBody(s);
      return `${body}\n---\nContent hash (SHA-256 of everything above): ${sha256(body)}\n`;
    }
    case 'csv': {
      const body = csvBody(s);
      return `${body}# content hash (SHA-256 of the lines above): ${sha256(body)}\n`;
    }
    case 'json': {
      const body = JSON.stringify(s, null, 2);
      return `${JSON.stringify({ ...s, contentHash: sha256(body) }, null, 2)}\n`;
    }
    default: {
      const body = htmlBody(s);
      return `${body}<footer>Content hash (SHA-256 of everything above): ${sha256(body)}</footer>\n</body></html>\n`;
    }
  }
}

/** D:YYYYMMDDHHmmSS+00'00' of the as-of date: the PDF's creation and modification dates, so reruns match. */
function pdfDate(asOf: string): string {
  return `D:${asOf.slice(0, 10).replace(/-/g, '')}000000+00'00'`;
}

/**
 * Prints the report's HTML to a PDF with the project's Chromium (scripts/workbench/browserHarness.ts). Chromium
 * stamps the print time as the PDF's dates; they are replaced by the as-of date (same length, so the file's
 * offsets hold) and the output is byte-identical for the same scorecard.
 */
export async function writeReportPdf(html: string, asOf: string, file: string): Promise<void> {
  const browser = await launchChromium();
  let pdf: Buffer;
  try {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    pdf = await page.pdf({ format: 'A4', printBackground: true });
  } catch (err) {
    throw new ToolError(`could not print the report PDF with Chromium: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await browser.close();
  }
  const text = pdf.toString('latin1').replace(/D:\d{14}[+-]\d{2}'\d{2}'/g, pdfDate(asOf));
  try {
    makeDirs(path.dirname(path.resolve(file)));
    fs.writeFileSync(file, Buffer.from(text, 'latin1'));
  } catch (err) {
    throw new InputError(`--output ${file}: cannot write: ${describeFsError(err)}`);
  }
}
