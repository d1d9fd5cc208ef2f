/**
 * GtmHallucinationGateController over the store (exp-006): the deal's hallucination gate judged from its audit runs
 * (scripts/audit/dealGate, the rule Apex twins), the runs it read, the failing cases with their judge and human
 * verdicts, the structured fallback and the readiness blockers the gate causes; setHumanVerdict goes through
 * `gtm audit review`'s code (scripts/audit/review), so the panel and the CLI recount the same way.
 */
import { currentItems, judgeDeal, loadItems, auditRunOf, dayOf } from '../../audit/dealGate';
import { fieldLength } from '../../audit/limits';
import { reviewCases } from '../../audit/review';
import type { PanelParams, PanelResult } from '../../contracts/panelContracts';
import { InputError } from '../../lib/errors';
import { daysBetween } from '../../rules/ruleSupport';
import { smallestPassingN } from '../../rules/hallucinationGateRule';
import { createLocalSink } from '../../store/localSink';
import { ControllerError } from '../controllerPort';
import { findOpportunity, type ControllerContext } from './context';
import { blockerViews, productionReadiness, scorecardOf } from './scorecardController';
import { queryRows, str, WORKBENCH_USER_NAME } from './storeAccess';

type PanelView = PanelResult<'GtmHallucinationGateController.getGatePanel'>;

/** The most cases the panel lists; the rest are counted (itemsNotListed). */
export const ITEM_LIMIT = 50;

const SEVERITY_ORDER: Record<string, number> = { critical: 0, major: 1, minor: 2 };
const int = (v: unknown): number => (v === null || v === undefined || v === '' ? 0 : Number(v));
const iso = (v: unknown): string | null => {
  const s = v === null || v === undefined || v === '' ? null : String(v as string);
  if (s === null) return null;
  const t = new Date(s.includes('T') || s.endsWith('Z') ? s : `${s.replace(' ', 'T')}Z`);
  return Number.isNaN(t.getTime()) ? s : t.toISOString();
};

async function idsOf(ctx: ControllerContext, object: string, keyField: string): Promise<Map<string, string>> {
  const rows = await queryRows(ctx.store, `SELECT "Id", "${keyField}" AS k FROM "${object}"`);
  return new Map(rows.map((r) => [String(r.k), String(r.Id)]));
}

/** Audit and gate codes of the readiness blockers: what this gate puts in the way of production approval. */
const GATE_CODE = /^(audit_|fallback_)/;

export async function getGatePanel(ctx: ControllerContext, opportunityId: string): Promise<PanelView> {
  const opp = await findOpportunity(ctx, opportunityId);
  const sink = createLocalSink(ctx.store);
  const d = await judgeDeal(sink, opp.id, ctx.policy, ctx.today);
  const r = d.result;
  const items = await loadItems(sink);
  const auditIds = await idsOf(ctx, 'Hallucination_Audit__c', 'Audit_Key__c');
  const itemIds = await idsOf(ctx, 'Hallucination_Audit_Item__c', 'Item_Key__c');

  const pooledIds = new Set(r.runIds);
  const complete = d.audits
    .map((a) => ({ audit: a, run: auditRunOf(a.Audit_Key__c, a) }))
    .filter((x) => x.run !== null)
    .map((x) => ({ ...x, pooled: pooledIds.has(x.run!.runId) }))
    .sort(
      (a, b) =>
        Number(b.pooled) - Number(a.pooled) ||
        String(b.audit.Run_At__c ?? '').localeCompare(String(a.audit.Run_At__c ?? ''))
    );
  // the cases of the pooled runs; when no run counts (another version), those of the latest run
  const listed = complete.some((x) => x.pooled) ? complete.filter((x) => x.pooled) : complete.slice(0, 1);
  const cases = listed
    .flatMap((x) => currentItems(x.audit, items).map((i) => ({ item: i, runId: x.run!.runId })))
    .filter(
      ({ item }) =>
        item.Verdict__c === 'hallucinated' || item.Unstable__c === 'true' || str(item.Human_Verdict__c) !== null
    )
    .sort(
      (a, b) =>
        (SEVERITY_ORDER[String(a.item.Severity__c)] ?? 3) - (SEVERITY_ORDER[String(b.item.Severity__c)] ?? 3) ||
        String(a.item.Case_Id__c).localeCompare(String(b.item.Case_Id__c))
    );

  const gate = d.gate;
  const testedDate = dayOf(gate?.Fallback_Tested_At__c);
  const maxAgeDays = ctx.policy.integer('Hallucination_Audit_Max_Age_Days');
  const readiness = await productionReadiness(ctx, opp, await scorecardOf(ctx, opp.id));
  const blockers = (await blockerViews(ctx, opp, readiness.readiness.blockers, readiness.verdict.score)).filter((b) =>
    GATE_CODE.test(b.code)
  );
  return {
    opportunityId: opp.id,
    opportunityName: opp.name,
    status: r.status,
    reasons: r.reasons,
    basis: r.basis,
    maxRate: Number(ctx.policy.decimal('Hallucination_Max_Rate')),
    maxRateText: ctx.policy.decimal('Hallucination_Max_Rate'),
    minSample: ctx.policy.integer('Hallucination_Min_Sample'),
    maxAgeDays,
    responses: r.responses,
    hallucinated: r.hallucinated,
    critical: r.critical,
    unstable: listed.reduce((s, x) => s + int(x.audit.Unstable__c), 0),
    rate: r.rate,
    wilsonLow: r.wilsonLow,
    wilsonHigh: r.wilsonHigh,
    upperBound: r.upperBound,
    allowedHallucinations: r.allowedHallucinations,
    passingN: smallestPassingN(r.hallucinated, r.responses, r.basis, ctx.policy),
    deployedModel: d.deal.deployedModel,
    deployedPromptVersion: d.deal.deployedPromptVersion,
    runs: complete.map(({ audit: a, run, pooled }) => ({
      id: auditIds.get(a.Audit_Key__c) ?? a.Audit_Key__c,
      tool: str(a.Source_Tool__c) ?? '',
      runId: run!.runId,
      runAt: iso(a.Run_At__c),
      ageDays: daysBetween(run!.runAt, ctx.today),
      model: str(a.Model_Under_Test__c),
      promptVersion: str(a.Prompt_Version__c),
      dataset: str(a.Dataset__c),
      datasetSha256: str(a.Dataset_Sha256__c),
      judge: str(a.Judge__c),
      responses: run!.responses,
      hallucinated: run!.hallucinated,
      critical: run!.critical,
      pooled
    })),
    items: cases.slice(0, ITEM_LIMIT).map(({ item: i, runId }) => ({
      id: itemIds.get(i.Item_Key__c) ?? i.Item_Key__c,
      caseId: str(i.Case_Id__c) ?? '',
      runId,
      category: str(i.Category__c),
      severity: str(i.Severity__c),
      verdict: str(i.Verdict__c),
      unstable: i.Unstable__c === 'true',
      judgeReason: str(i.Judge_Reason__c),
      humanVerdict: str(i.Human_Verdict__c),
      humanReason: str(i.Human_Reason__c),
      reviewedBy: str(i.Human_Reviewed_By__c),
      reviewedAt: iso(i.Human_Reviewed_At__c)
    })),
    itemsNotListed: Math.max(0, cases.length - ITEM_LIMIT),
    fallback: {
      type: str(gate?.Fallback_Type__c),
      testedDate,
      testedRecently: testedDate !== null && daysBetween(testedDate, ctx.today) <= maxAgeDays,
      evidenceUrl: str(gate?.Fallback_Test_Evidence__c),
      handoffSlaMinutes: gate?.Handoff_Sla_Minutes__c == null ? null : int(gate.Handoff_Sla_Minutes__c)
    },
    blockers,
    canReview: true,
    reasonMaxLength: fieldLength('Hallucination_Audit_Item__c', 'Human_Reason__c')
  };
}

export async function setHumanVerdict(
  ctx: ControllerContext,
  p: PanelParams<'GtmHallucinationGateController.setHumanVerdict'>
): Promise<PanelView> {
  const [row] = await queryRows(
    ctx.store,
    `SELECT i."Case_Id__c", i."File_Sha256__c" AS "itemFile", a."File_Sha256__c" AS "auditFile", a."Run_Id__c",
            a."Opportunity__c"
     FROM "Hallucination_Audit_Item__c" i JOIN "Hallucination_Audit__c" a ON a."Id" = i."Audit__c"
     WHERE i."Id" = $id`,
    { id: p.itemId }
  );
  if (!row || str(row.Opportunity__c) !== p.opportunityId)
    throw new ControllerError('The audited case was not found on this opportunity');
  if (str(row.itemFile) !== null && str(row.itemFile) !== str(row.auditFile))
    throw new ControllerError(
      'This case belongs to a replaced file of the run: it is not counted, so it takes no verdict'
    );
  try {
    await reviewCases(
      createLocalSink(ctx.store),
      p.opportunityId,
      [
        {
          caseId: String(row.Case_Id__c),
          runId: str(row.Run_Id__c),
          verdict: p.verdict,
          reason: p.reason,
          where: 'the panel'
        }
      ],
      // the org stamps the running user and now; the workbench its user and its today
      {
        reviewer: WORKBENCH_USER_NAME,
        at: `${ctx.today}T${new Date().toISOString().slice(11)}`,
        today: ctx.today,
        dryRun: false
      },
      ctx.policy
    );
  } catch (err) {
    if (err instanceof InputError)
      throw new ControllerError(err.details?.length ? err.details.join('; ') : err.message);
    throw err;
  }
  return getGatePanel(ctx, p.opportunityId);
}
