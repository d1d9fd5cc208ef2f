/**
 * A deal's hallucination gate from what a sink holds: the Opportunity (deployed model and prompt version, close
 * date), its Hallucination_Audit__c runs and its GTM_Launch_Gate__c (the structured fallback). The per-deal gate
 * record is then written from the same verdict, so the readiness rule and the panels keep one source.
 */
import { InputError } from '../lib/errors';
import type { RulePolicy } from '../rules/ruleSupport';
import {
  judgeHallucinationGate,
  percentText,
  type AuditRun,
  type HallucinationGateInput,
  type HallucinationGateResult
} from '../rules/hallucinationGateRule';
import type { SObjectRow } from '../usage/records';
import type { UsageSink } from '../usage/sink';
import { createLocalSink } from '../store/localSink';
import type { LocalStore } from '../store/localStore';

export const HALLUCINATION_GATE_TYPE = 'Hallucination Audit';
export const AUDIT_OBJECT = 'Hallucination_Audit__c';
export const ITEM_OBJECT = 'Hallucination_Audit_Item__c';
export const GATE_OBJECT = 'GTM_Launch_Gate__c';

export const gateKeyOf = (opportunityId: string) => `gate-hallucination-audit:${opportunityId}`;

export const AUDIT_FIELDS = [
  'Name',
  'Opportunity__c',
  'Account__c',
  'Source_Tool__c',
  'Run_Id__c',
  'Run_At__c',
  'Model_Under_Test__c',
  'Prompt_Version__c',
  'Judge__c',
  'Dataset__c',
  'Dataset_Sha256__c',
  'File_Sha256__c',
  'Repeats__c',
  'Cases__c',
  'Responses__c',
  'Hallucinated__c',
  'Critical__c',
  'Judge_Hallucinated__c',
  'Judge_Critical__c',
  'Human_Overrides__c',
  'Unstable__c',
  'Unscored__c',
  'Rate__c',
  'Wilson_Low__c',
  'Wilson_High__c',
  'Upper_Bound_95__c',
  'Human_Agreement__c',
  'Gate_Status__c',
  'Gate_Reasons__c',
  'Evidence__c'
] as const;

export const ITEM_FIELDS = [
  'Case_Id__c',
  'Category__c',
  'Severity__c',
  'Verdict__c',
  'Unstable__c',
  'Repeat_Verdicts__c',
  'Judge_Reason__c',
  'Human_Verdict__c',
  'Human_Reason__c',
  'Human_Reviewed_By__c',
  'Human_Reviewed_At__c',
  'Verdict_Log__c',
  'File_Sha256__c',
  'Audit__r.Audit_Key__c'
] as const;

const GATE_FIELDS = [
  'Opportunity__c',
  'Status__c',
  'Fallback_Type__c',
  'Fallback_Tested_At__c',
  'Fallback_Test_Evidence__c',
  'Handoff_Sla_Minutes__c',
  'Fallback_Path__c'
] as const;

export interface Deal {
  id: string;
  name: string;
  accountId: string | null;
  closeDate: string | null;
  deployedModel: string | null;
  deployedPromptVersion: string | null;
}

export interface DealGate {
  deal: Deal;
  audits: (SObjectRow & { Audit_Key__c: string })[];
  gate: SObjectRow | null;
  input: HallucinationGateInput;
  result: HallucinationGateResult;
}

const text = (v: unknown): string | null => (v === null || v === undefined || String(v) === '' ? null : String(v));
/** a Date or DateTime as YYYY-MM-DD, whichever way the sink writes it */
export const dayOf = (v: unknown): string | null => text(v)?.slice(0, 10) ?? null;

export async function loadDeal(sink: UsageSink, opportunityId: string): Promise<Deal> {
  const opps = await sink.load('Opportunity', 'Id', [
    'Name',
    'AccountId',
    'CloseDate',
    'Deployed_Model__c',
    'Deployed_Prompt_Version__c'
  ]);
  const o = opps.get(opportunityId);
  if (!o) throw new InputError(`--opportunity ${opportunityId}: no such Opportunity in ${sink.label}`);
  return {
    id: opportunityId,
    name: text(o.Name) ?? opportunityId,
    accountId: text(o.AccountId),
    closeDate: dayOf(o.CloseDate),
    deployedModel: text(o.Deployed_Model__c),
    deployedPromptVersion: text(o.Deployed_Prompt_Version__c)
  };
}

export async function loadAudits(sink: UsageSink): Promise<Map<string, SObjectRow>> {
  return sink.load(AUDIT_OBJECT, 'Audit_Key__c', AUDIT_FIELDS);
}

/** Every stored audit item by Item_Key__c, with its audit's key in Audit__r.Audit_Key__c. */
export async function loadItems(sink: UsageSink): Promise<Map<string, SObjectRow>> {
  return sink.load(ITEM_OBJECT, 'Item_Key__c', ITEM_FIELDS);
}

/**
 * The items of an audit's current file: those a newer file of the same run replaced keep their own File_Sha256__c
 * and are neither counted nor listed (items stored before items named their file count as current).
 */
export function currentItems(
  audit: SObjectRow & { Audit_Key__c: string },
  items: Map<string, SObjectRow>
): (SObjectRow & { Item_Key__c: string })[] {
  const file = text(audit.File_Sha256__c);
  return [...items]
    .filter(([, r]) => r['Audit__r.Audit_Key__c'] === audit.Audit_Key__c)
    .filter(([, r]) => text(r.File_Sha256__c) === null || text(r.File_Sha256__c) === file)
    .map(([key, r]) => ({ ...r, Item_Key__c: key }));
}

/** An audit row as the gate rule reads it; a row that is not yet complete (no file hash) does not count. */
export function auditRunOf(key: string, row: SObjectRow): AuditRun | null {
  const runAt = dayOf(row.Run_At__c);
  if (!text(row.File_Sha256__c) || runAt === null) return null;
  return {
    runId: text(row.Run_Id__c) ?? key,
    model: text(row.Model_Under_Test__c),
    promptVersion: text(row.Prompt_Version__c),
    runAt,
    responses: Number(row.Responses__c ?? 0),
    hallucinated: Number(row.Hallucinated__c ?? 0),
    critical: Number(row.Critical__c ?? 0)
  };
}

export function gateInput(deal: Deal, runs: AuditRun[], gate: SObjectRow | null): HallucinationGateInput {
  return {
    audits: runs,
    deployedModel: deal.deployedModel,
    deployedPromptVersion: deal.deployedPromptVersion,
    closeDate: deal.closeDate,
    fallbackType: text(gate?.Fallback_Type__c),
    fallbackTestedAt: dayOf(gate?.Fallback_Tested_At__c)
  };
}

/** Judges a deal's gate from the sink, with `extra` (audits about to be written) counted as if stored. */
export async function judgeDeal(
  sink: UsageSink,
  opportunityId: string,
  policy: RulePolicy,
  today: string,
  extra?: { key: string; row: SObjectRow } | { key: string; row: SObjectRow }[]
): Promise<DealGate> {
  const deal = await loadDeal(sink, opportunityId);
  const stored = await loadAudits(sink);
  for (const e of extra === undefined ? [] : Array.isArray(extra) ? extra : [extra]) stored.set(e.key, e.row);
  const audits = [...stored]
    .filter(([, r]) => text(r.Opportunity__c) === opportunityId)
    .map(([key, r]) => ({ ...r, Audit_Key__c: key }));
  const runs = audits.map((a) => auditRunOf(a.Audit_Key__c, a)).filter((r): r is AuditRun => r !== null);
  const gates = await sink.load(GATE_OBJECT, 'Gate_Key__c', GATE_FIELDS);
  const gate = gates.get(gateKeyOf(opportunityId)) ?? null;
  const input = gateInput(deal, runs, gate);
  return { deal, audits, gate, input, result: judgeHallucinationGate(input, policy, today) };
}

/** The verdict in one paragraph, for Evidence__c and the CLI. */
export function verdictText(r: HallucinationGateResult): string {
  const stats =
    r.rate === null
      ? `no scored responses`
      : `${r.hallucinated} of ${r.responses} hallucinated (${percentText(r.rate)}; 95% interval ${percentText(r.wilsonLow!)}-${percentText(r.wilsonHigh!)}; one-sided 95% upper bound ${percentText(r.upperBound!)}); ${r.critical} critical`;
  const why = r.reasons.length ? `: ${r.reasons.join('; ')}` : '';
  return `${r.status} (${r.basis === 'upper_bound' ? 'strict' : 'point'} basis)${why}. ${stats}.`;
}

/** The per-deal GTM_Launch_Gate__c row written from the verdict (its fallback fields are left as they are). */
export function gateRow(d: DealGate, policy: RulePolicy): SObjectRow {
  const latest =
    d.input.audits
      .map((a) => a.runAt)
      .sort()
      .pop() ?? null;
  return {
    Gate_Key__c: gateKeyOf(d.deal.id),
    Name: `Hallucination audit - ${d.deal.name}`.slice(0, 80),
    Gate_Type__c: HALLUCINATION_GATE_TYPE,
    Scope__c: 'Opportunity',
    Opportunity__c: d.deal.id,
    Account__c: d.deal.accountId,
    Status__c: d.result.status,
    Measured_Value__c: d.result.rate,
    Sample_Size__c: d.result.responses,
    Audited_Date__c: latest,
    Evidence__c: verdictText(d.result),
    Threshold__c: Number(policy.decimal('Hallucination_Max_Rate')),
    Threshold_Policy_Key__c: 'Hallucination_Max_Rate',
    Threshold_Direction__c: 'At most'
  };
}

/**
 * The gate of a deal in the local store judged from its audit runs, or null when it has none (then its hand-typed
 * gate record is judged as before): what the workbench's production-approval gate reads, like
 * GtmHallucinationAuditSelector in Apex.
 */
export async function judgedAuditGate(
  store: LocalStore,
  opportunityId: string,
  policy: RulePolicy,
  today: string
): Promise<HallucinationGateResult | null> {
  const d = await judgeDeal(createLocalSink(store), opportunityId, policy, today);
  return d.input.audits.length ? d.result : null;
}
