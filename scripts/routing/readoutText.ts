/**
 * The readout as text for people and as accounts.csv: fixed number formats and a fixed row order, so the same
 * readout prints the same bytes (the --as-of promise).
 */
import { table } from '../cli/output';
import type { Interval } from '../stats/proportions';
import { toCsvLine } from '../usage/csvRecords';
import type { Readout, ReadoutRow } from './readout';

const pct = (x: number | null, digits = 1) => (x === null ? 'n/a' : `${(x * 100).toFixed(digits)}%`);
const signedPct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const range = (i: Interval | null) => (i ? `[${pct(i.low)}, ${pct(i.high)}]` : 'n/a');
const num = (x: number | null, digits: number) => (x === null ? 'n/a' : x.toFixed(digits));

export function readoutText(r: Readout): string {
  const c = r.comparison;
  const lines: string[] = [];
  lines.push(`exp-001 PQA-triggered outbound: readout as of ${r.asOf}`);
  lines.push(`outcome: pilot started within ${r.windowDays} days of qualification; only closed windows count`);
  if (r.matchedNotRandomized)
    lines.push('includes matched-pair controls for the target accounts: matched, not randomized');
  lines.push('');
  lines.push(
    table(
      r.arms.map((a) => [
        a.arm,
        a.accounts,
        `${a.windowsClosed} of ${a.accounts}`,
        a.converted,
        pct(a.rate),
        range(a.interval)
      ]),
      ['arm', 'accounts', 'windows closed', 'converted', 'rate', '95% Wilson']
    )
  );
  lines.push('');
  lines.push(
    table(
      [
        [
          'difference (Newcombe)',
          c.difference
            ? `${signedPct(c.difference.estimate)} [${signedPct(c.difference.low)}, ${signedPct(c.difference.high)}]`
            : 'n/a'
        ],
        [
          'relative lift (Katz)',
          c.lift
            ? `${signedPct(c.lift.estimate - 1)} [${signedPct(c.lift.low - 1)}, ${signedPct(c.lift.high - 1)}]`
            : 'n/a (an arm without conversions)'
        ],
        ['one-sided Fisher p', num(c.fisherP, 4)],
        ['P(treatment > control)', num(c.probabilityBetter, 3)],
        ['P(lift >= expand bar)', num(c.probabilityLiftAtLeast, 3)],
        [
          'sample ratio (randomized)',
          r.sampleRatio
            ? `${r.sampleRatio.treatment} : ${r.sampleRatio.control} vs ${pct(r.sampleRatio.treatmentShare, 0)} design, chi2 ${r.sampleRatio.statistic.toFixed(3)}, p ${r.sampleRatio.p.toFixed(4)}`
            : 'n/a'
        ]
      ],
      ['between arms', 'value']
    )
  );
  lines.push('');
  const p = r.power;
  lines.push(
    p.detectableLift === null
      ? `power: no closed windows in both arms yet (baseline ${pct(p.baseline)})`
      : `power: at ${p.nPerArm} per arm this sample can detect >= +${Math.round(p.detectableLift * 100)}% over the baseline ${pct(p.baseline)}`
  );
  lines.push(`n per arm needed: ${p.needed.map((n) => `${n.label} ${n.nPerArm}`).join(', ')}`);
  lines.push(p.sentence);
  const rel = r.reliability;
  lines.push(
    `workflow reliability: ${rel.ok} of ${rel.signals} treatment signals (${pct(rel.rate)}, 95% ${range(rel.interval)})` +
      (rel.byWeek.length ? `; by week ${rel.byWeek.map((w) => `${w.week} ${w.ok}/${w.signals}`).join(', ')}` : '')
  );
  for (const f of rel.failures) lines.push(`  failed ${f.accountKey} (${f.week}): ${f.reason}`);
  lines.push(
    `SLA attainment: ${r.slaAttainment.met} met of ${r.slaAttainment.closed} closed (${pct(r.slaAttainment.rate)})`
  );
  lines.push('');
  lines.push(`recommendation: ${r.recommendation.decision}`);
  for (const reason of r.recommendation.reasons) lines.push(`  - ${reason}`);
  return `${lines.join('\n')}\n`;
}

/** accounts.csv: one row per account with its arm, window and outcome, sorted by account key. */
export function accountsCsv(rows: ReadoutRow[], r: Readout): string {
  const asOfMs = Date.parse(r.asOf);
  const windowMs = r.windowDays * 86_400_000;
  const header = [
    'account_key',
    'arm',
    'matched',
    'qualified_at',
    'window_end',
    'window_closed',
    'pilot_started_at',
    'outcome',
    'sla_status',
    'workflow'
  ];
  const lines = [toCsvLine(header)];
  for (const row of [...rows].sort((a, b) =>
    a.accountKey < b.accountKey ? -1 : a.accountKey > b.accountKey ? 1 : 0
  )) {
    const qualified = Date.parse(row.qualifiedAt);
    if (qualified > asOfMs) continue;
    const end = qualified + windowMs;
    const closed = end <= asOfMs;
    const started = row.pilotStartedAt === null ? null : Date.parse(row.pilotStartedAt);
    const converted = started !== null && started >= qualified && started <= end;
    const outcome = !closed ? 'Open' : converted ? 'Converted' : 'Not converted';
    lines.push(
      toCsvLine(
        [
          row.accountKey,
          row.arm,
          row.matched,
          row.qualifiedAt,
          `${new Date(end).toISOString().slice(0, 19)}Z`,
          closed,
          row.pilotStartedAt,
          outcome,
          row.slaStatus,
          row.workflowOk === null ? '' : row.workflowOk ? 'OK' : `Failed: ${row.workflowFailure ?? ''}`
        ].map((v) => (v === null ? '' : String(v)))
      )
    );
  }
  return `${lines.join('\n')}\n`;
}
