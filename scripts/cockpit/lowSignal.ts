/**
 * The week-8 low-signal list (the seed: "Kill at least one low-signal test"; design C3.7): for each experiment still
 * before its decision date, what it will have by then at its accrual rate so far (projected n = current n + rate x
 * days left), against its locked minimum sample per arm. The minimum counts what the readout says it counts:
 * subjects for a rate (closed and still open windows alike will count), events for a duration (Schoenfeld's figure
 * is events; a censored subject adds none), so events are projected against it. Those that cannot reach it are kill
 * candidates, ranked by how far short they fall. A pre/post design is projected on its program arm (its control is
 * the period before the program); a randomized one on its smaller arm. Pure.
 */
import { DAY_MS, instantOf } from './kpi';
import type { ExperimentReadout } from './readout';

export interface LowSignalRow {
  experiment: string;
  /** what currentN, projectedN and the minimum count */
  counts: 'subjects' | 'events';
  currentN: number;
  minSamplePerArm: number;
  decisionDate: string;
  daysLeft: number;
  /** subjects (or events) a day since the protocol was locked */
  ratePerDay: number;
  projectedN: number;
  cannotReach: boolean;
  /** minimum - projected (negative: above the minimum) */
  shortfall: number;
}

export function lowSignalList(
  readouts: ExperimentReadout[],
  lockedAt: ReadonlyMap<string, string>,
  asOf: string
): LowSignalRow[] {
  const asOfMs = instantOf(asOf, '--as-of');
  const rows: LowSignalRow[] = [];
  for (const r of readouts) {
    const locked = lockedAt.get(r.experiment);
    if (!r.decisionDate || !locked) continue;
    const decisionMs = instantOf(r.decisionDate, `${r.experiment} decision date`);
    if (decisionMs < asOfMs) continue;
    const arms = r.design === 'randomized' ? r.arms : r.arms.filter((a) => a.arm === 'Treatment');
    const counts = r.validity.minSampleCounts;
    const currentN = Math.min(...arms.map((a) => (counts === 'events' ? a.events : a.n + a.atRisk)));
    const elapsedDays = Math.max(1, (asOfMs - instantOf(locked, `${r.experiment} locked at`)) / DAY_MS);
    const daysLeft = Math.round((decisionMs - asOfMs) / DAY_MS);
    const ratePerDay = currentN / elapsedDays;
    const projectedN = Math.floor(currentN + ratePerDay * daysLeft);
    const min = r.validity.minSamplePerArm;
    rows.push({
      experiment: r.experiment,
      counts,
      currentN,
      minSamplePerArm: min,
      decisionDate: r.decisionDate,
      daysLeft,
      ratePerDay: Number(ratePerDay.toFixed(4)),
      projectedN,
      cannotReach: projectedN < min,
      shortfall: min - projectedN
    });
  }
  return rows.sort((a, b) => b.shortfall - a.shortfall || (a.experiment < b.experiment ? -1 : 1));
}
