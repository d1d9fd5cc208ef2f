/**
 * The org path of the commands that compute over the local store: `gtm pqa sync`, `gtm scorecard snapshot`,
 * `gtm scorecard audit` and `gtm readout build` with --target-org. Each mirrors the objects its computation reads (mirror.ts), runs the same
 * local code on the mirror, and upserts into the org only what that code added or changed (writeBack.ts); with
 * dryRun it says what it would write and writes nothing.
 */
import { loadSchema } from '../metadata/schema';
import type { Policy } from '../policy/policy';
import { loadPqaAccounts, loadUnkeyedAccounts, planPqa, writeSignals, type PqaPlanRow } from '../routing/pqaRun';
import { snapshot } from '../cockpit/snapshotStore';
import type { SnapshotPlan } from '../cockpit/snapshot';
import { buildReadouts, writeReadouts, type BuildResult, type WriteResult } from '../cockpit/readoutStore';
import { loadKpiContracts } from '../cockpit/kpiContracts';
import {
  AUDIT_KEY,
  AUDIT_OBJECT,
  loadAuditInput,
  rolloutAudit,
  writeAudit,
  type RolloutAudit
} from '../cockpit/rolloutAudit';
import type { UsageSink } from '../usage/sink';
import { buildReadout, type Readout, type ReadoutRow } from '../routing/readout';
import { readReadoutRows } from '../routing/readoutStore';
import { publishReadout, READOUT_KEY_FIELD, READOUT_OBJECT, readoutView } from '../routing/publishedReadout';
import { createLocalSink } from '../store/localSink';
import { mirrorOrg, type MirrorRequest, type OrgMirror, type QueryRows } from './mirror';
import { changesOf, writeChanges, type ObjectChanges, type WriteFailure } from './writeBack';

/** What an org run needs of the org: Bulk query rows and Bulk upserts (SalesforceSink has both). */
export interface OrgPort extends Pick<UsageSink, 'upsert'> {
  queryRows: QueryRows;
  /** requests sent to the org so far (SalesforceSink counts them) */
  readonly apiRequests?: number;
}

export interface OrgRunOptions {
  dryRun?: boolean;
  onProgress?: (message: string) => void;
}

export interface OrgWrite {
  /** records read from the org, per object */
  read: Record<string, number>;
  /** what was (or, in a dry run, would be) upserted, per object, in order */
  changes: ObjectChanges[];
  written: { object: string; key: string; created: boolean }[];
  failed: WriteFailure[];
  /** requests the run sent to the org, reads and writes (when the port counts them) */
  apiRequests?: number;
}

/** exp-001 qualification's inputs: accounts (key, segment, target flag, owner), usage, pilot-stage deals, signals. */
export const PQA_INPUTS: readonly MirrorRequest[] = [
  { object: 'Account' },
  { object: 'Opportunity' },
  { object: 'Usage_Snapshot__c' },
  // active agents per week come from the product events (gtm events sync)
  { object: 'Funnel_Event__c' },
  { object: 'PQA_Signal__c' },
  { object: 'Routing_Assignment__c' }
];

/** The objects the KPI contracts read (their numerator and denominator), and then `extra`. */
export function cockpitInputs(extra: readonly string[]): MirrorRequest[] {
  const objects = new Set<string>();
  for (const c of loadKpiContracts()) {
    objects.add(c.denominator.object);
    objects.add(c.numerator.object);
  }
  // a link field on a Funnel_Event__c or an Opportunity names an Account: keep the parents the links reach
  objects.add('Account');
  for (const e of extra) objects.add(e);
  return [...objects].map((object) => ({ object }));
}

/**
 * The readouts read the routing assignments (exp-001's arms), the hallucination audits (safety) and the experiments.
 * Should the readout code come to read another object, the mirror has no table for it and the run fails (and the
 * org tests, which compare with the local path over the sample world); add it here.
 */
export const READOUT_EXTRA = [
  'Routing_Assignment__c',
  'Hallucination_Audit__c',
  'GTM_Experiment__c',
  'GTM_Experiment_Readout__c'
];

/**
 * The locked protocol's fields: all `gtm readout build` may change on an experiment the org already has (its
 * status and sign-off belong to the decisions made in the org; the registry's own fields are `gtm deploy`'s).
 */
export const PROTOCOL_FIELDS = [
  'Primary_Metric_Key__c',
  'Metric_Direction__c',
  'Guardrails__c',
  'Analysis_Method__c',
  'Design__c',
  'Min_Sample_Per_Arm__c',
  'Protocol_Locked_At__c'
];

/** What the rollout audit reads (cockpit/rolloutAudit.ts loadAuditInput), and the audits stored. */
export const AUDIT_INPUTS: readonly MirrorRequest[] = [
  'GTM_Sync_Run__c',
  'Funnel_Event__c',
  'Event_Source__c',
  'Usage_Snapshot__c',
  'Account',
  'Opportunity',
  'Onboarding_Plan__c',
  'Onboarding_Plan_Step__c',
  'Routing_Assignment__c',
  'GTM_Rollout_Audit__c'
].map((object) => ({ object }));

async function withMirror<T>(
  org: OrgPort,
  orgName: string,
  inputs: readonly MirrorRequest[],
  options: OrgRunOptions,
  compute: (mirror: OrgMirror) => Promise<{ value: T; changes: ObjectChanges[] }>
): Promise<OrgWrite & { value: T }> {
  const before = org.apiRequests;
  const mirror = await mirrorOrg(org.queryRows, orgName, loadSchema(), inputs, options.onProgress);
  try {
    const { value, changes } = await compute(mirror);
    const outcome = options.dryRun ? { written: [], failed: [] } : await writeChanges(org, changes, options.onProgress);
    const apiRequests = before === undefined || org.apiRequests === undefined ? undefined : org.apiRequests - before;
    return { value, read: Object.fromEntries(mirror.loaded), changes, ...outcome, apiRequests };
  } finally {
    await mirror.close();
  }
}

/**
 * `gtm pqa sync --target-org`: qualification and arms over the org's records, and a new PQA_Signal__c (by
 * Signal_Key__c) for each new qualification. A signal the org has is never changed; a re-run writes nothing. The
 * org's PQA_Signal__c trigger routes what is inserted.
 */
export async function pqaSyncInOrg(
  org: OrgPort,
  orgName: string,
  policy: Policy,
  asOf: string,
  options: OrgRunOptions = {}
): Promise<OrgWrite & { value: { plan: PqaPlanRow[]; unkeyed: { id: string; name: string }[] } }> {
  return withMirror(org, orgName, PQA_INPUTS, options, async (mirror) => {
    const plan = planPqa(await loadPqaAccounts(mirror.store, policy), policy, asOf.slice(0, 10));
    const unkeyed = await loadUnkeyedAccounts(mirror.store);
    await writeSignals(mirror.store, plan);
    return {
      value: { plan, unkeyed },
      changes: [await changesOf(mirror, 'PQA_Signal__c', 'Signal_Key__c', { updatable: [] })]
    };
  });
}

/**
 * `gtm scorecard snapshot --target-org`: every KPI over the org's records, planned against the org's stored
 * snapshots as locally (a published snapshot is never changed: a different result is a restatement row).
 */
export async function scorecardSnapshotInOrg(
  org: OrgPort,
  orgName: string,
  policy: Policy,
  asOf: string,
  options: OrgRunOptions & { publish?: boolean } = {}
): Promise<OrgWrite & { value: SnapshotPlan }> {
  return withMirror(org, orgName, cockpitInputs(['GTM_KPI_Snapshot__c']), options, async (mirror) => {
    const plan = await snapshot(mirror.store, policy, asOf, { publish: options.publish });
    return { value: plan, changes: [await changesOf(mirror, 'GTM_KPI_Snapshot__c', 'Snapshot_Key__c')] };
  });
}

/**
 * `gtm readout build --target-org`: every locked experiment's readout over the org's records; the experiments'
 * locked protocols (data/experiment-protocols.csv) reach the org first, then the readouts by Readout_Key__c. A
 * published readout is never rewritten (the org's trigger refuses it too).
 */
export async function readoutBuildInOrg(
  org: OrgPort,
  orgName: string,
  policy: Policy,
  asOf: string,
  options: OrgRunOptions = {}
): Promise<OrgWrite & { value: BuildResult & { plan: WriteResult } }> {
  return withMirror(org, orgName, cockpitInputs(READOUT_EXTRA), options, async (mirror) => {
    const built = await buildReadouts(mirror.store, policy, asOf);
    const plan = await writeReadouts(mirror.store, policy, built.readouts);
    return {
      value: { ...built, plan },
      changes: [
        await changesOf(mirror, 'GTM_Experiment__c', 'Experiment_Key__c', { updatable: PROTOCOL_FIELDS }),
        await changesOf(mirror, 'GTM_Experiment_Readout__c', 'Readout_Key__c')
      ]
    };
  });
}

/**
 * `gtm scorecard audit --target-org`: the rollout audit over the org's records, stored there as GTM_Rollout_Audit__c
 * by Audit_Key__c (the GTM Program page reads it); the same day again replaces it only if it changed.
 */
export async function rolloutAuditInOrg(
  org: OrgPort,
  orgName: string,
  policy: Policy,
  asOf: string,
  options: OrgRunOptions = {}
): Promise<OrgWrite & { value: RolloutAudit }> {
  return withMirror(org, orgName, AUDIT_INPUTS, options, async (mirror) => {
    const audit = rolloutAudit(await loadAuditInput(mirror.store, asOf), policy, asOf);
    const failed = await writeAudit(mirror.store, audit);
    if (failed) throw new Error(`the rollout audit could not be staged: ${failed}`);
    return { value: audit, changes: [await changesOf(mirror, AUDIT_OBJECT, AUDIT_KEY)] };
  });
}

/**
 * exp-001's lift readout reads the routing assignments (routing/readoutStore.ts: arm, qualified and pilot-start
 * times, SLA status, workflow result); published readouts are Routing_Readout__c rows.
 */
export const ROUTING_READOUT_INPUTS: readonly MirrorRequest[] = [{ object: 'Routing_Assignment__c' }];

export interface RoutingReadoutRun {
  rows: ReadoutRow[];
  readout: Readout;
  /** the Routing_Readout__c key, when published */
  published: string | null;
}

/**
 * `gtm routing readout exp-001 --target-org`: the same readout over the org's routing assignments; with publish, the
 * readout's Routing_Readout__c row (key experiment|as-of day) upserted there for the PQA Readout page, only when it
 * is new or changed.
 */
export async function routingReadoutInOrg(
  org: OrgPort,
  orgName: string,
  policy: Policy,
  asOf: string,
  options: OrgRunOptions & { publish?: boolean } = {}
): Promise<OrgWrite & { value: RoutingReadoutRun }> {
  const inputs = options.publish ? [...ROUTING_READOUT_INPUTS, { object: READOUT_OBJECT }] : ROUTING_READOUT_INPUTS;
  return withMirror<RoutingReadoutRun>(org, orgName, inputs, options, async (mirror) => {
    const rows = await readReadoutRows(mirror.store);
    const readout = buildReadout(rows, policy, asOf);
    if (!options.publish) return { value: { rows, readout, published: null }, changes: [] };
    const published = await publishReadout(createLocalSink(mirror.store), readoutView(readout, policy));
    return {
      value: { rows, readout, published },
      changes: [await changesOf(mirror, READOUT_OBJECT, READOUT_KEY_FIELD)]
    };
  });
}
