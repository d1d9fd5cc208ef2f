/**
 * exp-001's published readouts: `gtm routing readout --publish` stores the readout it computed, in the readout page's
 * contract (ReadoutView in scripts/contracts/pqaContracts.ts), as one Routing_Readout__c row keyed experiment|as-of.
 * The page (GtmPqaReadoutController in the org, the workbench stand-in locally) only shows stored rows: the statistics
 * stay in TypeScript. Building the view and the row is pure, and the write goes through a UsageSink, so the org sink
 * (`--target-org`) can take the same row as the local store does.
 */
import { z } from 'zod';
import { ReadoutView } from '../contracts/pqaContracts';
import { InputError } from '../lib/errors';
import type { RulePolicy } from '../rules/ruleSupport';
import type { SObjectRow } from '../usage/records';
import type { UsageSink } from '../usage/sink';
import type { Readout } from './readout';

export type ReadoutPageView = z.infer<typeof ReadoutView>;

export const READOUT_OBJECT = 'Routing_Readout__c';
export const READOUT_KEY_FIELD = 'Readout_Key__c';

/** The readout in the page's contract, with the policy minimums the page words it against. */
export function readoutView(r: Readout, policy: RulePolicy): ReadoutPageView {
  const c = r.comparison;
  return {
    experiment: r.experiment,
    asOf: r.asOf,
    windowDays: r.windowDays,
    matchedNotRandomized: r.matchedNotRandomized,
    arms: r.arms,
    difference: c.difference,
    lift: c.lift,
    fisherP: c.fisherP,
    probabilityBetter: c.probabilityBetter,
    probabilityWorse: c.probabilityWorse,
    probabilityLiftAtLeast: c.probabilityLiftAtLeast,
    sampleRatio: r.sampleRatio && {
      treatment: r.sampleRatio.treatment,
      control: r.sampleRatio.control,
      treatmentShare: r.sampleRatio.treatmentShare,
      statistic: r.sampleRatio.statistic,
      p: r.sampleRatio.p
    },
    power: {
      baseline: r.power.baseline,
      nPerArm: r.power.nPerArm,
      detectableLift: r.power.detectableLift,
      expandLift: r.power.expandLift,
      needed: r.power.needed.map((n) => ({ label: n.label, nPerArm: n.nPerArm })),
      sentence: r.power.sentence
    },
    reliability: { ...r.reliability, minimum: Number(policy.decimal('Workflow_Reliability_Min')) },
    slaAttainment: { ...r.slaAttainment, minimum: Number(policy.decimal('Exp001_Min_Sla_Attainment')) },
    recommendation: r.recommendation
  };
}

/** experiment|YYYY-MM-DD: one stored readout per experiment and as-of day */
export function readoutKey(experiment: string, asOf: string): string {
  return `${experiment}|${asOf.slice(0, 10)}`;
}

/** The Routing_Readout__c row of a readout (pure: the same view gives the same row). */
export function readoutRow(view: ReadoutPageView): SObjectRow {
  const key = readoutKey(view.experiment, view.asOf);
  return {
    [READOUT_KEY_FIELD]: key,
    Name: key,
    Experiment_Key__c: view.experiment,
    As_Of__c: view.asOf.slice(0, 10),
    Recommendation__c: view.recommendation.decision,
    Results_Json__c: JSON.stringify(view)
  };
}

/** Upserts the readout's row by its key (a re-run for the same as-of replaces it); a refused row is an error. */
export async function publishReadout(sink: UsageSink, view: ReadoutPageView): Promise<string> {
  const row = readoutRow(view);
  const [result] = await sink.upsert(READOUT_OBJECT, READOUT_KEY_FIELD, [row]);
  if (!result?.ok)
    throw new Error(`${READOUT_OBJECT} ${String(row[READOUT_KEY_FIELD])}: ${result?.error ?? 'not written'}`);
  return String(row[READOUT_KEY_FIELD]);
}

/** A stored Results_Json__c read back into the page's contract, or an error naming the row and what is wrong. */
export function parseStoredReadout(key: string, json: string | null): ReadoutPageView {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json ?? '');
  } catch (err) {
    throw new InputError(`${READOUT_OBJECT} ${key}: Results_Json__c is not JSON (${(err as Error).message})`);
  }
  const checked = ReadoutView.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new InputError(
      `${READOUT_OBJECT} ${key}: Results_Json__c is not a readout (${issue.path.join('.') || 'the value'}: ${issue.message}); publish it again with gtm routing readout --publish`
    );
  }
  return checked.data;
}
