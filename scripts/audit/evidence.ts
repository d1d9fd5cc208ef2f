/**
 * The one-page AI-quality evidence sheet for security and procurement (AIUC-1 E2 asks these): model and prompt
 * version, the dataset, the rate with its 95% interval and the strict bound against the threshold, severity and
 * category breakdown, judge method, the fallback path and its test, and the re-audit policy. Markdown and HTML are
 * rendered here; the PDF is the HTML printed by the Chromium the browser tests drive.
 */
import * as path from 'node:path';
import { ToolError } from '../lib/errors';
import { makeDirs } from '../lib/writableDir';
import { plural } from '../lib/text';
import { launchChromium } from '../workbench/browserHarness';
import type { Policy } from '../policy/policy';
import { percentText, type HallucinationGateResult } from '../rules/hallucinationGateRule';
import type { UsageSink } from '../usage/sink';
import { dayOf, judgeDeal, verdictText, type DealGate } from './dealGate';
import type { CategoryCount } from './summary';

export interface EvidenceSheet {
  deal: DealGate['deal'];
  asOf: string;
  gate: HallucinationGateResult;
  maxRate: string;
  minSample: number;
  maxAgeDays: number;
  categoryMinSample: number;
  runs: {
    runId: string;
    tool: string;
    runAt: string;
    judge: string;
    dataset: string;
    cases: number;
    responses: number;
    unscored: number;
    repeats: number;
  }[];
  model: string | null;
  promptVersion: string | null;
  bySeverity: Record<string, number>;
  byCategory: CategoryCount[];
  /** categories counted in the rate but left out of a run's stored breakdown (it was too long to keep) */
  categoriesNotListed: number;
  unstable: number;
  unstableAsFail: boolean;
  /** human audits of the deal's version with a second review: agreement, and on how many cases */
  humanAgreement: { share: number; runs: string[] } | null;
  /** judge verdicts reviewers overturned in the pooled runs (gtm audit review, the panel), and the judge's own k */
  humanOverrides: { overturned: number; judgeHallucinated: number };
  fallback: { type: string | null; testedAt: string | null; evidence: string | null; slaMinutes: number | null };
}

const text = (v: unknown) => (v === null || v === undefined || v === '' ? null : String(v));

export async function gatherEvidence(
  sink: UsageSink,
  opportunityId: string,
  policy: Policy,
  today: string
): Promise<EvidenceSheet> {
  const d = await judgeDeal(sink, opportunityId, policy, today);
  const pooled = new Set(d.result.runIds);
  const runs = d.audits
    .filter((a) => pooled.has(text(a.Run_Id__c) ?? a.Audit_Key__c))
    .sort((a, b) => String(b.Run_At__c ?? '').localeCompare(String(a.Run_At__c ?? '')));
  const bySeverity: Record<string, number> = { critical: 0, major: 0, minor: 0, unrated: 0 };
  const categories = new Map<string, CategoryCount>();
  let unstable = 0;
  // categories a run's Evidence__c could not keep (boundedJson): the sheet says how many are not shown
  let categoriesNotListed = 0;
  for (const a of runs) {
    unstable += Number(a.Unstable__c ?? 0);
    let ev: {
      bySeverity?: Record<string, number>;
      byCategory?: CategoryCount[];
      omitted?: Record<string, number> | string;
    } = {};
    try {
      ev = JSON.parse(String(a.Evidence__c ?? '{}')) as typeof ev;
    } catch {
      ev = {};
    }
    if (typeof ev.omitted === 'object') categoriesNotListed += ev.omitted.byCategory ?? 0;
    else if (typeof ev.omitted === 'string') categoriesNotListed += 1;
    for (const [k, v] of Object.entries(ev.bySeverity ?? {})) bySeverity[k] = (bySeverity[k] ?? 0) + v;
    for (const c of ev.byCategory ?? []) {
      const cat = categories.get(c.category) ?? { category: c.category, responses: 0, hallucinated: 0 };
      cat.responses += c.responses;
      cat.hallucinated += c.hallucinated;
      categories.set(c.category, cat);
    }
  }
  const latest = runs[0] ?? d.audits[0];
  return {
    deal: d.deal,
    asOf: today,
    gate: d.result,
    maxRate: policy.decimal('Hallucination_Max_Rate'),
    minSample: policy.integer('Hallucination_Min_Sample'),
    maxAgeDays: policy.integer('Hallucination_Audit_Max_Age_Days'),
    categoryMinSample: policy.integer('Hallucination_Category_Min_Sample'),
    runs: runs.map((a) => ({
      runId: text(a.Run_Id__c) ?? a.Audit_Key__c,
      tool: text(a.Source_Tool__c) ?? '',
      runAt: dayOf(a.Run_At__c) ?? '',
      judge: text(a.Judge__c) ?? 'not stated',
      dataset: text(a.Dataset__c) ?? 'not stated',
      cases: Number(a.Cases__c ?? 0),
      responses: Number(a.Responses__c ?? 0),
      unscored: Number(a.Unscored__c ?? 0),
      repeats: Number(a.Repeats__c ?? 1)
    })),
    model: text(latest?.Model_Under_Test__c) ?? d.deal.deployedModel,
    promptVersion: text(latest?.Prompt_Version__c) ?? d.deal.deployedPromptVersion,
    bySeverity,
    byCategory: [...categories.values()].sort((a, b) => a.category.localeCompare(b.category)),
    categoriesNotListed,
    unstable,
    unstableAsFail: policy.boolean('Hallucination_Unstable_As_Fail'),
    humanAgreement: humanAgreementOf(d.audits),
    humanOverrides: {
      overturned: runs.reduce((n, a) => n + Number(a.Human_Overrides__c ?? 0), 0),
      judgeHallucinated: runs.reduce((n, a) => n + Number(a.Judge_Hallucinated__c ?? a.Hallucinated__c ?? 0), 0)
    },
    fallback: {
      type: text(d.gate?.Fallback_Type__c),
      testedAt: dayOf(d.gate?.Fallback_Tested_At__c),
      evidence: text(d.gate?.Fallback_Test_Evidence__c),
      slaMinutes: d.gate?.Handoff_Sla_Minutes__c == null ? null : Number(d.gate.Handoff_Sla_Minutes__c)
    }
  };
}

/** The latest human audit with a second review among the deal's audits, or null. */
function humanAgreementOf(audits: DealGate['audits']): EvidenceSheet['humanAgreement'] {
  const reviewed = audits
    .filter((a) => a.Human_Agreement__c !== null && a.Human_Agreement__c !== undefined)
    .sort((a, b) => String(b.Run_At__c ?? '').localeCompare(String(a.Run_At__c ?? '')));
  const latest = reviewed[0];
  return latest
    ? { share: Number(latest.Human_Agreement__c), runs: [text(latest.Run_Id__c) ?? latest.Audit_Key__c] }
    : null;
}

interface Section {
  title: string;
  rows: [string, string][];
  table?: { head: string[]; body: string[][]; note?: string };
}

/** The sheet as sections of label/value rows: one content, two renderings. */
function sections(s: EvidenceSheet): Section[] {
  const g = s.gate;
  const stats: [string, string][] =
    g.rate === null
      ? [['Measured rate', 'no scored responses']]
      : [
          ['Hallucinated', `${g.hallucinated} of ${g.responses} scored responses`],
          [
            'Measured rate',
            `${percentText(g.rate)} (95% interval ${percentText(g.wilsonLow!)} to ${percentText(g.wilsonHigh!)}, Wilson)`
          ],
          [
            'Strict bound',
            `one-sided 95% upper bound ${percentText(g.upperBound!)} against the ${percentText(Number(s.maxRate))} maximum`
          ],
          [
            'Allowed at this n',
            `${g.allowedHallucinations ?? 'none'} hallucinations (${g.basis === 'upper_bound' ? 'strict' : 'point'} gate)`
          ]
        ];
  return [
    {
      title: 'Verdict',
      rows: [
        ['Gate', g.status],
        ['Why', g.reasons.length ? g.reasons.join('; ') : 'every condition is met'],
        ['Judged on', s.asOf]
      ]
    },
    {
      title: 'What was tested',
      rows: [
        ['Model', s.model ?? 'not recorded'],
        ['Prompt version', s.promptVersion ?? 'not recorded'],
        [
          'Deployed for this deal',
          `${s.deal.deployedModel ?? 'not recorded'}, prompt ${s.deal.deployedPromptVersion ?? 'not recorded'}`
        ],
        [
          'Dataset',
          s.runs
            .map((r) => r.dataset)
            .filter((v, i, a) => a.indexOf(v) === i)
            .join('; ') || 'no audit'
        ],
        [
          'Runs',
          s.runs
            .map(
              (r) =>
                `${r.tool} ${r.runId} on ${r.runAt}: ${r.cases} cases, ${r.unscored} unscored, ${r.repeats} repeat(s)`
            )
            .join('; ') || 'none'
        ],
        [
          'Sampling',
          `customer support tickets; at least ${s.minSample} scored responses; runs of one version within a week are pooled`
        ]
      ]
    },
    {
      title: 'Result',
      rows: [
        ...stats,
        ['Critical', String(g.critical)],
        [
          'Unstable cases',
          `${s.unstable} (repeats disagree; ${s.unstableAsFail ? 'counted as hallucinated' : 'counted by their majority'})`
        ]
      ]
    },
    {
      title: 'Severity and category',
      rows: [
        [
          'Severity',
          `critical ${s.bySeverity.critical ?? 0}, major ${s.bySeverity.major ?? 0}, minor ${s.bySeverity.minor ?? 0}`
        ]
      ],
      table: {
        head: ['Category', 'Responses', 'Hallucinated', 'Rate'],
        body: s.byCategory.map((c) => [
          c.category,
          String(c.responses),
          String(c.hallucinated),
          c.responses
            ? `${percentText(c.hallucinated / c.responses)}${c.responses < s.categoryMinSample ? ` (warning: n < ${s.categoryMinSample})` : ''}`
            : '-'
        ]),
        note: `The gate uses the pooled rate; a category with fewer than ${s.categoryMinSample} responses is too small to judge alone.${s.categoriesNotListed ? ` ${s.categoriesNotListed} more categor${s.categoriesNotListed === 1 ? 'y is' : 'ies are'} counted in the rate but not listed (too many to keep).` : ''}`
      }
    },
    {
      title: 'Judge method',
      rows: [
        [
          'Judge',
          s.runs
            .map((r) => r.judge)
            .filter((v, i, a) => a.indexOf(v) === i)
            .join('; ') || 'not stated'
        ],
        [
          'Human agreement',
          s.humanAgreement
            ? `${percentText(s.humanAgreement.share)} of double-reviewed cases (human audit ${s.humanAgreement.runs.join(', ')})`
            : 'not measured: no human audit with a second review'
        ],
        [
          'Human review',
          s.humanOverrides.overturned
            ? `${plural(s.humanOverrides.overturned, 'judge verdict')} overturned by reviewers (the judge found ${s.humanOverrides.judgeHallucinated} hallucinated; the rate above counts the reviewers' verdicts)`
            : 'no judge verdict overturned'
        ]
      ]
    },
    {
      title: 'Fallback path',
      rows: [
        ['Type', s.fallback.type ?? 'none recorded'],
        ['Last tested', s.fallback.testedAt ?? 'never'],
        ['Test evidence', s.fallback.evidence ?? 'not linked'],
        ['Handoff SLA', s.fallback.slaMinutes === null ? 'not set' : `${s.fallback.slaMinutes} minutes`]
      ]
    },
    {
      title: 'Re-audit policy',
      rows: [
        [
          'Policy',
          `re-audit on any model or prompt change, and every ${s.maxAgeDays} days; an audit must still be current at the close date`
        ]
      ]
    }
  ];
}

export function renderMarkdown(s: EvidenceSheet): string {
  const out = [
    `# AI quality evidence: ${s.deal.name}`,
    '',
    `Hallucination audit (exp-006). ${verdictText(s.gate)}`,
    ''
  ];
  for (const sec of sections(s)) {
    out.push(`## ${sec.title}`, '');
    for (const [k, v] of sec.rows) out.push(`- **${k}:** ${v}`);
    if (sec.table) {
      out.push('', `| ${sec.table.head.join(' | ')} |`, `|${sec.table.head.map(() => '---').join('|')}|`);
      for (const r of sec.table.body) out.push(`| ${r.join(' | ')} |`);
      if (sec.table.note) out.push('', sec.table.note);
    }
    out.push('');
  }
  return out.join('\n');
}

const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A bar of the 95% interval against the threshold line, as inline SVG (no script, prints the same). */
function intervalBar(s: EvidenceSheet): string {
  const g = s.gate;
  if (g.rate === null) return '';
  const scale = Math.max(Number(s.maxRate) * 2, g.wilsonHigh! * 1.1);
  const x = (v: number) => (v / scale) * 400;
  return `<svg width="420" height="34" role="img" aria-label="95% interval against the maximum">
<rect x="${x(g.wilsonLow!)}" y="10" width="${Math.max(1, x(g.wilsonHigh!) - x(g.wilsonLow!))}" height="12" fill="#9fc3e7"/>
<line x1="${x(g.rate)}" x2="${x(g.rate)}" y1="6" y2="26" stroke="#0b5cab" stroke-width="2"/>
<line x1="${x(g.upperBound!)}" x2="${x(g.upperBound!)}" y1="6" y2="26" stroke="#0b5cab" stroke-dasharray="2,2"/>
<line x1="${x(Number(s.maxRate))}" x2="${x(Number(s.maxRate))}" y1="0" y2="34" stroke="#c23934" stroke-width="2"/>
</svg>`;
}

export function renderHtml(s: EvidenceSheet): string {
  const body = sections(s)
    .map((sec) => {
      const rows = sec.rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
      const table = sec.table
        ? `<table class="grid"><thead><tr>${sec.table.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${sec.table.body
            .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
            .join('')}</tbody></table>${sec.table.note ? `<p class="note">${esc(sec.table.note)}</p>` : ''}`
        : '';
      return `<section><h2>${esc(sec.title)}</h2><table>${rows}</table>${sec.title === 'Result' ? intervalBar(s) : ''}${table}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AI quality evidence: ${esc(s.deal.name)}</title>
<style>
@page { size: A4; margin: 14mm; }
body { font-family: "Liberation Sans", Arial, sans-serif; font-size: 9.5pt; color: #181818; }
h1 { font-size: 15pt; margin: 0 0 4px; } h2 { font-size: 11pt; margin: 10px 0 3px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; } th { text-align: left; width: 28%; font-weight: 600; vertical-align: top; }
td, th { padding: 1px 4px; } .grid th, .grid td { border: 1px solid #ddd; width: auto; } .note { color: #555; margin: 2px 0; }
</style></head>
<body><h1>AI quality evidence: ${esc(s.deal.name)}</h1>
<p>Hallucination audit (exp-006). ${esc(verdictText(s.gate))}</p>
${body}
</body></html>
`;
}

/** Prints the HTML to a PDF with the project's Chromium (scripts/workbench/browserHarness.ts). */
export async function writePdf(html: string, file: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    makeDirs(path.dirname(path.resolve(file)));
    await page.pdf({ path: file, format: 'A4', printBackground: true });
  } catch (err) {
    throw new ToolError(`could not print the evidence PDF with Chromium: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await browser.close();
  }
}
