/**
 * The program cockpit over the embedded store, for the workbench's GTM Program page (GtmProgramController): the
 * five KPIs with their weekly trend (scripts/cockpit, as `gtm scorecard report` computes them) and the stored
 * readouts (`gtm readout build`) with their recommendation and decision. A decision is held to the same sign-off
 * rule as the org's trigger (scripts/rules/decisionRule.ts, the twin of GtmDecisionRule on shared vectors): an
 * override without a reason or a second approver is refused, Scale needs baseline, threshold and owner, a published
 * readout is not edited; a decision publishes the readout and sets the experiment's status and owner sign-off.
 */
import type { PanelParams, PanelResult } from '../../contracts/panelContracts';
import { buildScorecard } from '../../cockpit/scorecard';
import type { ExperimentReadout } from '../../cockpit/readout';
import { RECOMMENDATIONS } from '../../cockpit/recommendation';
import { programLastDay } from '../../cockpit/sampleProgram';
import { decisionMessage, decisionProblems } from '../../rules/decisionRule';
import type { Policy } from '../../policy/policy';
import { ControllerError } from '../controllerPort';
import type { ControllerContext } from './context';
import { inTransaction, queryOne, queryRows, updateRecord, workbenchUserId } from './storeAccess';

type ProgramView = PanelResult<'GtmProgramController.getProgram'>;

/** The Decision__c values (GTM_Experiment_Readout__c). */
export const DECISIONS = ['Scale', 'Hold', 'Kill', 'Adopted', 'Continue'];

const fmt = (x: number | null) => (x === null ? '-' : x.toFixed(3));

function estimateText(r: ExperimentReadout): string {
  const e = r.estimate;
  const rel = e.relativeImprovement === null ? 'n/a' : `${(e.relativeImprovement * 100).toFixed(1)}%`;
  return `${fmt(e.treatment)} vs ${fmt(e.control)} (${rel})`;
}

/** The latest stored readout of each experiment as of the day. */
async function storedReadouts(ctx: ControllerContext, asOf: string, units: Map<string, string>) {
  const rows = await queryRows(
    ctx.store,
    `SELECT r."Id" AS id, r."Readout_Key__c" AS key, r."Results_Json__c" AS results, r."Decision__c" AS decision,
            d."Name" AS decided_by, r."Override_Reason__c" AS reason, s."Name" AS second, r."Published__c" AS published
       FROM "GTM_Experiment_Readout__c" r
       LEFT JOIN "User" d ON d."Id" = r."Decided_By__c" LEFT JOIN "User" s ON s."Id" = r."Second_Approver__c"
      WHERE r."As_Of__c" <= CAST($asOf AS DATE)
      QUALIFY row_number() OVER (PARTITION BY r."Experiment__c" ORDER BY r."As_Of__c" DESC) = 1
      ORDER BY r."Readout_Key__c"`,
    { asOf }
  );
  return rows.map((r) => {
    const readout = JSON.parse(String(r.results)) as ExperimentReadout;
    return {
      readoutId: String(r.id),
      readoutKey: String(r.key),
      experiment: readout.experiment,
      name: readout.name,
      designLabel: readout.designLabel,
      nText: readout.arms.map((a) => `${a.label} ${a.n}`).join(' / '),
      estimateText: estimateText(readout),
      unit: units.get(readout.primaryKpi) ?? null,
      treatmentValue: readout.estimate.treatment,
      controlValue: readout.estimate.control,
      improvement: readout.estimate.relativeImprovement,
      recommendation: readout.recommendation,
      reasons: readout.fired.map((f) => `${f.outcome}: ${f.text}`),
      decision: r.decision === null ? null : String(r.decision),
      decidedBy: r.decided_by === null ? null : String(r.decided_by),
      overrideReason: r.reason === null ? null : String(r.reason),
      secondApprover: r.second === null ? null : String(r.second),
      published: r.published === true
    };
  });
}

export async function getProgram(
  ctx: ControllerContext,
  params: PanelParams<'GtmProgramController.getProgram'>
): Promise<ProgramView> {
  // the day-90 scorecard by default (today, if the program has not ended yet)
  const lastDay = programLastDay(ctx.policy as Policy);
  const asOf = params.asOf ?? (ctx.today < lastDay ? ctx.today : lastDay);
  const scorecard = await buildScorecard(ctx.store, ctx.policy as Policy, `${asOf}T00:00:00Z`);
  // the current user decides; they cannot also be the second approver (the sign-off rule refuses it)
  const approvers = await queryRows(
    ctx.store,
    'SELECT "Id" AS id, "Name" AS name FROM "User" WHERE "Id" <> $me ORDER BY "Name", "Id"',
    { me: await workbenchUserId(ctx.store) }
  );
  return {
    asOf,
    kpis: scorecard.kpis.map((k) => ({
      key: k.key,
      label: k.label,
      unit: k.unit,
      direction: k.direction,
      value: k.value,
      atLeast: k.atLeast,
      low: k.interval?.low ?? null,
      high: k.interval?.high ?? null,
      n: k.n,
      events: k.events,
      atRisk: k.atRisk,
      provisional: k.provisional,
      baseline: k.baseline,
      target: k.target,
      progress: k.progress,
      status: k.status,
      statusNote: k.statusNote,
      caveat: k.caveat,
      trend: k.trend.map((t) => ({ asOf: t.asOf, value: t.value }))
    })),
    readouts: await storedReadouts(ctx, asOf, new Map(scorecard.kpis.map((k) => [k.key, k.unit]))),
    approvers: approvers.map((a) => ({ id: String(a.id), name: String(a.name) })),
    decisions: DECISIONS,
    canDecide: true,
    audit: await storedAudit(ctx, asOf)
  };
}

/** The latest rollout audit stored on or before the day (gtm scorecard audit), as GtmProgramController reads it. */
async function storedAudit(ctx: ControllerContext, asOf: string): Promise<ProgramView['audit']> {
  const row = await queryOne(
    ctx.store,
    `SELECT strftime("As_Of__c", '%Y-%m-%d') AS day, "Status__c" AS status, "Sections_Json__c" AS sections
       FROM "GTM_Rollout_Audit__c" WHERE "As_Of__c" <= CAST($asOf AS DATE) ORDER BY "As_Of__c" DESC LIMIT 1`,
    { asOf }
  );
  if (!row) return null;
  const sections = JSON.parse(String(row.sections)) as NonNullable<ProgramView['audit']>['sections'];
  return {
    asOf: String(row.day),
    status: String(row.status) as NonNullable<ProgramView['audit']>['status'],
    sections: sections.map((s) => ({
      key: s.key,
      title: s.title,
      status: s.status,
      reason: s.reason,
      n: s.n,
      thresholdText: s.thresholdText,
      figures: s.figures
    }))
  };
}

export async function decideReadout(
  ctx: ControllerContext,
  params: PanelParams<'GtmProgramController.decideReadout'>
): Promise<ProgramView> {
  if (!DECISIONS.includes(params.decision))
    throw new ControllerError(`${params.decision} is not a decision (${DECISIONS.join(', ')})`);
  const decider = await workbenchUserId(ctx.store);
  await inTransaction(ctx.store, async () => {
    const r = await queryOne(
      ctx.store,
      `SELECT r."Id" AS id, r."Recommendation__c" AS rec, r."Published__c" AS published, r."Experiment__c" AS exp,
              e."Baseline_Value__c" AS baseline, e."Target_Value__c" AS target, e."Owner_Role__c" AS owner
         FROM "GTM_Experiment_Readout__c" r LEFT JOIN "GTM_Experiment__c" e ON e."Id" = r."Experiment__c"
        WHERE r."Id" = $id`,
      { id: params.readoutId }
    );
    if (!r) throw new ControllerError('The readout was not found.');
    if (!(RECOMMENDATIONS as readonly string[]).includes(String(r.rec)))
      throw new ControllerError('The readout has no recommendation to decide on.');
    const codes = decisionProblems({
      publishedBefore: r.published === true,
      changed: ['Decision__c'],
      recommendation: String(r.rec),
      decision: params.decision,
      decidedBy: decider,
      secondApprover: params.secondApproverId ?? null,
      overrideReason: params.overrideReason ?? null,
      baseline: r.baseline === null ? null : Number(r.baseline),
      threshold: r.target === null ? null : Number(r.target),
      owner: r.owner === null ? null : String(r.owner)
    });
    if (codes.length) throw new ControllerError(decisionMessage(codes));
    const now = `${ctx.today} 00:00:00`;
    await updateRecord(ctx.store, 'GTM_Experiment_Readout__c', String(r.id), {
      Decision__c: params.decision,
      Decided_By__c: decider,
      Decided_At__c: now,
      Override_Reason__c: params.overrideReason?.trim() || null,
      Second_Approver__c: params.secondApproverId ?? null,
      Published__c: true
    });
    await updateRecord(ctx.store, 'GTM_Experiment__c', String(r.exp), {
      Status__c: params.decision === 'Continue' ? 'Running' : params.decision,
      Owner_Sign_Off__c: true,
      Sign_Off_Date__c: ctx.today
    });
  });
  return getProgram(ctx, { asOf: params.asOf ?? null });
}
