/**
 * The experiments' pre-registered protocols: data/experiment-protocols.csv, one row per registry experiment (the
 * primary KPI, analysis method, design, guardrails, when it was locked). The minimum sample per arm is computed at
 * lock from the KPI's baseline and target at Readout_Alpha one-sided and Readout_Power (minimumSamplePerArm), stored
 * then and kept (readoutStore.ts); in the org these are the locked fields on GTM_Experiment__c. Every row is checked; one InputError
 * lists every problem with file, line and field.
 */
import * as path from 'node:path';
import { z } from 'zod';
import { readCsvFile } from '../lib/csvFile';
import { InputError, formatProblem, type Problem } from '../lib/errors';
import { displayPath, projectPaths } from '../lib/paths';
import { zQuantile } from '../stats/distributions';
import { sampleSizePerArm } from '../stats/power';
import type { CockpitPolicy, KpiContract } from './kpiContracts';

export const PROTOCOLS_FILE = 'experiment-protocols.csv';
export const ANALYSIS_METHODS = ['exact_binary', 'km_duration', 'backtest_fpr', 'gate_rate'] as const;
export const DESIGNS = ['randomized', 'matched', 'pre_post'] as const;
export const GUARDRAILS = ['support_burden', 'reliability', 'safety', 'conversion_not_slowed'] as const;
export type Guardrail = (typeof GUARDRAILS)[number];

export interface Protocol {
  experiment: string;
  primaryKpi: string;
  method: (typeof ANALYSIS_METHODS)[number];
  design: (typeof DESIGNS)[number];
  guardrails: Guardrail[];
  /** ISO instant; null: not locked yet (no readout is built) */
  lockedAt: string | null;
}

/** "pre/post, not randomized": the words every view shows beside a non-randomized result. */
export function designLabel(design: Protocol['design'], matchedControls = false): string {
  // exp-001 as its routing readout states it: target accounts paired, the rest randomized
  if (design === 'randomized' && matchedControls) return 'randomized; target accounts matched, not randomized';
  return design === 'randomized' ? 'randomized' : `${design === 'matched' ? 'matched' : 'pre/post'}, not randomized`;
}

const RowSchema = z.object({
  key: z.string().regex(/^exp-\d{3}$/, 'must look like exp-001'),
  primary_kpi: z.string().min(1, 'is required'),
  analysis_method: z.enum(ANALYSIS_METHODS),
  design: z.enum(DESIGNS),
  guardrails: z.string(),
  locked_at: z.union([
    z.literal(''),
    z.iso.datetime({ message: 'must be an ISO instant such as 2026-03-09T00:00:00Z' })
  ])
});

export function loadProtocols(kpiKeys: readonly string[], projectDir?: string): Protocol[] {
  const file = path.join(projectPaths(projectDir).data, PROTOCOLS_FILE);
  const shown = displayPath(file);
  const records = readCsvFile(file, { required: Object.keys(RowSchema.shape) }, shown);
  const problems: Problem[] = [];
  const protocols: Protocol[] = [];
  const seen = new Set<string>();
  for (const rec of records) {
    const parsed = RowSchema.safeParse(rec.values);
    if (!parsed.success) {
      for (const i of parsed.error.issues)
        problems.push({ file: shown, line: rec.line, field: i.path.join('.'), message: i.message });
      continue;
    }
    const r = parsed.data;
    const guardrails = r.guardrails
      .split(';')
      .map((g) => g.trim())
      .filter(Boolean);
    const bad = guardrails.filter((g) => !(GUARDRAILS as readonly string[]).includes(g));
    if (bad.length)
      problems.push({
        file: shown,
        line: rec.line,
        field: 'guardrails',
        message: `${bad.join(', ')} not one of ${GUARDRAILS.join(', ')}`
      });
    if (!kpiKeys.includes(r.primary_kpi))
      problems.push({
        file: shown,
        line: rec.line,
        field: 'primary_kpi',
        message: `${r.primary_kpi} is not a KPI contract (${kpiKeys.join(', ')})`
      });
    if (seen.has(r.key))
      problems.push({ file: shown, line: rec.line, field: 'key', message: `${r.key} has a protocol already` });
    seen.add(r.key);
    protocols.push({
      experiment: r.key,
      primaryKpi: r.primary_kpi,
      method: r.analysis_method,
      design: r.design,
      guardrails: guardrails as Guardrail[],
      lockedAt: r.locked_at || null
    });
  }
  if (problems.length)
    throw new InputError(`${shown}: ${problems.length} problem(s); no protocol was read`, {
      details: problems.map(formatProblem)
    });
  return protocols;
}

/**
 * The minimum sample per arm, computed at lock from the KPI's baseline and target (design C3.1: "computed at lock from
 * baseline and target MDE at alpha = 0.05 and 80% power"): the effect the experiment is run to find, at one-sided
 * Readout_Alpha and Readout_Power. A rate: subjects per arm for two proportions, baseline against target (Fleiss,
 * scripts/stats/power). A duration: Schoenfeld's events for the hazard ratio baseline / target (a median moved from
 * the baseline to the target, exponential times), Schoenfeld, Biometrika 1981;68:316-319, split evenly between the
 * arms: a duration's minimum counts events. Scale still needs the seed's Scale_Min_Relative_Lift on top
 * (recommendation.ts); this only says when a result is worth reading.
 */
export function minimumSamplePerArm(contract: KpiContract, policy: CockpitPolicy): number {
  const alpha = Number(policy.decimal('Readout_Alpha'));
  const power = Number(policy.decimal('Readout_Power'));
  const baseline = Number(policy.decimal(contract.baselineKey));
  const target = Number(policy.decimal(contract.targetKey));
  if (baseline === target)
    throw new InputError(
      `KPI contract ${contract.key}: baseline ${contract.baselineKey} equals target ${contract.targetKey} (${baseline}): no effect to size the experiment for`
    );
  if (contract.unit === 'ratio') return sampleSizePerArm(baseline, target, { alpha, sides: 1, power });
  const hazardRatio = Math.max(baseline, target) / Math.min(baseline, target);
  const z = zQuantile(1 - alpha) + zQuantile(power);
  const events = (4 * z * z) / Math.log(hazardRatio) ** 2;
  return Math.ceil(events / 2 - 1e-9);
}
