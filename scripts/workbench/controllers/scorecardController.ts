/**
 * GtmPilotScorecardController over the embedded store (exp-003, exp-006): the opportunity's pilot scorecard with
 * its criteria, score, week-1 completion, hallucination gate and production readiness, and the three edits the
 * panel makes (criterion actual/status, a new criterion, the success-criteria template).
 */
import type { PanelParams, PanelResult } from '../../contracts/panelContracts';
import { judgeCollateral } from '../../rules/collateralRule';
import { judgeReadiness, type HallucinationGateRecord } from '../../rules/readinessRule';
import { addDays, isBlank } from '../../rules/ruleSupport';
import { criterionComplete, criterionMet, scoreScorecard, type CriterionRecord } from '../../rules/scorecardRule';
import { ControllerError } from '../controllerPort';
import {
  collateralRecords,
  day,
  findOpportunity,
  num,
  relevantCollateral,
  str,
  type ControllerContext,
  type OpportunityRecord
} from './context';
import { loadCriterionTemplate } from './criterionTemplate';
import {
  abbreviate,
  inTransaction,
  insertRecord,
  nextAutoNumber,
  queryOne,
  queryRows,
  updateRecord,
  workbenchUserId,
  type Row
} from './storeAccess';

type ScorecardView = PanelResult<'GtmPilotScorecardController.getScorecard'>;

export const HALLUCINATION_AUDIT = 'Hallucination Audit';
const NEW_CRITERION_STATUS = 'Not Started';
const NEW_SCORECARD_STATUS = 'Active';
const MAX_SORT_ORDER = 999;
const SORT_STEP = 10;
/** A Name field's length on every Salesforce object (the platform's, not force-app's). */
const NAME_MAX = 80;

/** Digits Salesforce keeps of a Number field (rounded on save), read from its force-app definition. */
function scaleOf(ctx: ControllerContext, object: string, field: string): number {
  return ctx.store.schema.field(object, field).scale ?? 0;
}

/** A Text field's length, read from its force-app definition. */
function lengthOf(ctx: ControllerContext, object: string, field: string): number {
  const length = ctx.store.schema.field(object, field).length;
  if (length === undefined) throw new Error(`${object}.${field} has no length in force-app`);
  return length;
}

const roundTo = (value: number, scale: number) => Math.round(value * 10 ** scale) / 10 ** scale;

/** The opportunity's scorecard: the first created when it holds several (as the org's selector reads it). */
async function latestScorecard(ctx: ControllerContext, opportunityId: string): Promise<Row | null> {
  return queryOne(
    ctx.store,
    `SELECT "Id", "Status__c", "Pilot_Start_Date__c", "Template_Version__c"
     FROM "Pilot_Scorecard__c" WHERE "Opportunity__c" = $opp ORDER BY "Id" ASC LIMIT 1`,
    { opp: opportunityId }
  );
}

async function criteriaOf(ctx: ControllerContext, scorecardId: string): Promise<Row[]> {
  return queryRows(
    ctx.store,
    `SELECT c.*, u."Name" AS "__ownerName"
     FROM "Pilot_Criterion__c" c LEFT JOIN "User" u ON u."Id" = c."Owner__c"
     WHERE c."Scorecard__c" = $sc ORDER BY c."Sort_Order__c" ASC NULLS LAST, c."Id"`,
    { sc: scorecardId }
  );
}

function criterionRecord(r: Row): CriterionRecord {
  return {
    Metric__c: str(r.Metric__c),
    Target_Value__c: num(r.Target_Value__c),
    Target_Direction__c: str(r.Target_Direction__c),
    Actual_Value__c: num(r.Actual_Value__c),
    Weight__c: num(r.Weight__c),
    Owner__c: str(r.Owner__c),
    Due_Date__c: day(r.Due_Date__c)
  };
}

/** The latest hallucination-audit gate recorded for the opportunity (latest audit first, then latest record). */
export async function latestHallucinationGate(ctx: ControllerContext, opportunityId: string): Promise<Row | null> {
  return queryOne(
    ctx.store,
    `SELECT "Id", "Status__c", "Measured_Value__c", "Sample_Size__c", "Fallback_Path__c", "Audited_Date__c"
     FROM "GTM_Launch_Gate__c" WHERE "Gate_Type__c" = $type AND "Opportunity__c" = $opp
     ORDER BY "Audited_Date__c" DESC NULLS LAST, "Id" DESC LIMIT 1`,
    { type: HALLUCINATION_AUDIT, opp: opportunityId }
  );
}

export async function getScorecard(ctx: ControllerContext, opportunityId: string): Promise<ScorecardView> {
  const opp = await findOpportunity(ctx, opportunityId);
  const scorecard = await latestScorecard(ctx, opp.id);
  const rows = scorecard ? await criteriaOf(ctx, String(scorecard.Id)) : [];
  const records = rows.map(criterionRecord);
  const pilotStart = scorecard ? day(scorecard.Pilot_Start_Date__c) : null;
  const verdict = scoreScorecard(
    { scorecard: { Pilot_Start_Date__c: pilotStart }, criteria: records },
    ctx.policy,
    ctx.today
  );
  const gateRow = await latestHallucinationGate(ctx, opp.id);
  const gate: HallucinationGateRecord | null = gateRow
    ? {
        Status__c: str(gateRow.Status__c),
        Measured_Value__c: num(gateRow.Measured_Value__c),
        Sample_Size__c: num(gateRow.Sample_Size__c),
        Fallback_Path__c: str(gateRow.Fallback_Path__c)
      }
    : null;
  const collateral = judgeCollateral(
    { closeDate: opp.closeDate, items: collateralRecords(await relevantCollateral(ctx, opp.id)) },
    ctx.policy,
    ctx.today
  );
  const readiness = judgeReadiness({ scorecard: verdict, gate, collateral }, ctx.policy);
  return {
    opportunityId: opp.id,
    opportunityName: opp.name,
    stageName: opp.stageName,
    closeDate: opp.closeDate,
    scorecardId: scorecard ? String(scorecard.Id) : null,
    scorecardStatus: scorecard ? str(scorecard.Status__c) : null,
    pilotStartDate: pilotStart,
    templateVersion: scorecard ? str(scorecard.Template_Version__c) : null,
    criteria: rows.map((r, i) => ({
      id: String(r.Id),
      metric: str(r.Metric__c) ?? str(r.Name) ?? '',
      unit: str(r.Unit__c),
      targetValue: records[i]!.Target_Value__c ?? null,
      targetDirection: records[i]!.Target_Direction__c ?? null,
      actualValue: records[i]!.Actual_Value__c ?? null,
      weight: records[i]!.Weight__c ?? null,
      ownerId: records[i]!.Owner__c ?? null,
      ownerName: str(r.__ownerName),
      dueDate: records[i]!.Due_Date__c ?? null,
      status: str(r.Status__c),
      met: criterionMet(records[i]!),
      complete: criterionComplete(records[i]!)
    })),
    score: verdict.score,
    minScore: ctx.policy.decimal('Pilot_Ready_Min_Score'),
    metWeight: verdict.metWeight,
    totalWeight: verdict.totalWeight,
    completion: verdict.completion,
    completionDeadline: verdict.deadline,
    daysLeft: verdict.daysLeft,
    incompleteCount: verdict.incompleteCount,
    readiness,
    gate: gateRow
      ? {
          id: String(gateRow.Id),
          status: gate!.Status__c ?? null,
          measuredValue: gate!.Measured_Value__c ?? null,
          sampleSize: gate!.Sample_Size__c ?? null,
          fallbackPath: gate!.Fallback_Path__c ?? null,
          auditedDate: day(gateRow.Audited_Date__c)
        }
      : null,
    canEdit: true,
    statusOptions: criterionStatuses(ctx)
  };
}

function criterionStatuses(ctx: ControllerContext): string[] {
  return ctx.store.schema.field('Pilot_Criterion__c', 'Status__c').picklistValues;
}

function directions(ctx: ControllerContext): string[] {
  return ctx.store.schema.field('Pilot_Criterion__c', 'Target_Direction__c').picklistValues;
}

/**
 * A score (at most 4 digits, truncated by the rule) as the Percent Weighted_Score__c holds it: 0.8533 -> 85.33.
 * Rounds away float noise (0.57 * 10000 = 5699.999...), so it equals Apex's exact (score * 100).setScale(2).
 */
export function weightedScorePercent(score: number): number {
  return Math.round(score * 10_000) / 100;
}

/** Keeps Weighted_Score__c (a Percent: 85.33 for a 0.8533 score) current after a criterion changed. */
export async function refreshScorecard(ctx: ControllerContext, scorecardId: string): Promise<void> {
  const sc = await queryOne(ctx.store, 'SELECT "Pilot_Start_Date__c" FROM "Pilot_Scorecard__c" WHERE "Id" = $id', {
    id: scorecardId
  });
  if (!sc) return;
  const criteria = (await criteriaOf(ctx, scorecardId)).map(criterionRecord);
  const verdict = scoreScorecard(
    { scorecard: { Pilot_Start_Date__c: day(sc.Pilot_Start_Date__c) }, criteria },
    ctx.policy,
    ctx.today
  );
  const percent = verdict.score === null ? null : weightedScorePercent(verdict.score);
  await updateRecord(ctx.store, 'Pilot_Scorecard__c', scorecardId, { Weighted_Score__c: percent });
}

/**
 * The opportunity's scorecard, created (Active, pilot start = the opportunity's or today) when it has none; a
 * template version is stamped on a scorecard that has none.
 */
async function ensureScorecard(
  ctx: ControllerContext,
  opp: OpportunityRecord,
  templateVersion: string | null
): Promise<{ id: string; pilotStart: string | null }> {
  const existing = await latestScorecard(ctx, opp.id);
  if (existing) {
    const id = String(existing.Id);
    if (templateVersion !== null && isBlank(str(existing.Template_Version__c))) {
      await updateRecord(ctx.store, 'Pilot_Scorecard__c', id, { Template_Version__c: templateVersion });
    }
    return { id, pilotStart: day(existing.Pilot_Start_Date__c) };
  }
  const pilotStart = opp.pilotStartDate ?? ctx.today;
  const id = await insertRecord(ctx.store, 'Pilot_Scorecard__c', {
    Name: await nextAutoNumber(ctx.store, 'Pilot_Scorecard__c', 'PSC-'),
    Opportunity__c: opp.id,
    Status__c: NEW_SCORECARD_STATUS,
    Pilot_Start_Date__c: pilotStart,
    Template_Version__c: templateVersion
  });
  return { id, pilotStart };
}

async function nextSortOrder(ctx: ControllerContext, scorecardId: string): Promise<number> {
  const r = await queryOne(
    ctx.store,
    'SELECT max("Sort_Order__c") AS m FROM "Pilot_Criterion__c" WHERE "Scorecard__c" = $sc',
    { sc: scorecardId }
  );
  return Math.min(MAX_SORT_ORDER, Math.max(0, num(r?.m) ?? 0) + SORT_STEP);
}

export async function updateCriterion(
  ctx: ControllerContext,
  p: PanelParams<'GtmPilotScorecardController.updateCriterion'>
): Promise<ScorecardView> {
  const row = await queryOne(
    ctx.store,
    `SELECT c."Id", c."Scorecard__c", s."Opportunity__c"
     FROM "Pilot_Criterion__c" c JOIN "Pilot_Scorecard__c" s ON s."Id" = c."Scorecard__c" WHERE c."Id" = $id`,
    { id: p.criterionId }
  );
  if (!row) throw new ControllerError('The criterion was not found');
  const statuses = criterionStatuses(ctx);
  if (p.status !== null && !statuses.includes(p.status)) {
    throw new ControllerError(`Status "${p.status}" is not one of: ${statuses.join(', ')}`);
  }
  if (p.actualValue !== null && !Number.isFinite(p.actualValue)) {
    throw new ControllerError('The actual value must be a number');
  }
  // a null actual clears it; a null status keeps the current one
  const change: Record<string, number | string | null> = {
    Actual_Value__c:
      p.actualValue === null ? null : roundTo(p.actualValue, scaleOf(ctx, 'Pilot_Criterion__c', 'Actual_Value__c'))
  };
  if (p.status !== null) change.Status__c = p.status;
  await inTransaction(ctx.store, async () => {
    await updateRecord(ctx.store, 'Pilot_Criterion__c', String(row.Id), change);
    await refreshScorecard(ctx, String(row.Scorecard__c));
  });
  return getScorecard(ctx, String(row.Opportunity__c));
}

export async function addCriterion(
  ctx: ControllerContext,
  p: PanelParams<'GtmPilotScorecardController.addCriterion'>
): Promise<ScorecardView> {
  const metric = (p.metric ?? '').trim();
  if (metric === '') throw new ControllerError('A criterion needs a metric');
  if (p.targetDirection !== null && !directions(ctx).includes(p.targetDirection)) {
    throw new ControllerError(`Target direction must be ${directions(ctx).join(' or ')}, not "${p.targetDirection}"`);
  }
  if (p.weight !== null && p.weight < 0) throw new ControllerError('A weight cannot be negative');
  if (
    (p.weight !== null && !Number.isFinite(p.weight)) ||
    (p.targetValue !== null && !Number.isFinite(p.targetValue))
  ) {
    throw new ControllerError('Target and weight must be numbers');
  }
  const opp = await findOpportunity(ctx, p.opportunityId);
  const owner = await workbenchUserId(ctx.store);
  await inTransaction(ctx.store, async () => {
    const sc = await ensureScorecard(ctx, opp, null);
    await insertRecord(ctx.store, 'Pilot_Criterion__c', {
      Name: abbreviate(metric, NAME_MAX),
      Scorecard__c: sc.id,
      Metric__c: abbreviate(metric, lengthOf(ctx, 'Pilot_Criterion__c', 'Metric__c')),
      Target_Value__c:
        p.targetValue === null ? null : roundTo(p.targetValue, scaleOf(ctx, 'Pilot_Criterion__c', 'Target_Value__c')),
      Target_Direction__c: p.targetDirection,
      Weight__c: p.weight === null ? null : roundTo(p.weight, scaleOf(ctx, 'Pilot_Criterion__c', 'Weight__c')),
      Due_Date__c: p.dueDate,
      Owner__c: owner,
      Status__c: NEW_CRITERION_STATUS,
      Sort_Order__c: await nextSortOrder(ctx, sc.id)
    });
    await refreshScorecard(ctx, sc.id);
  });
  return getScorecard(ctx, opp.id);
}

/**
 * Creates the scorecard when missing and adds every active template criterion it does not hold yet (by
 * Template_Key__c): running it twice changes nothing. Targets named by a policy key come from the policy; due
 * dates are the pilot start plus the template's days; the running user owns the new criteria.
 */
export async function applyTemplate(ctx: ControllerContext, opportunityId: string): Promise<ScorecardView> {
  const opp = await findOpportunity(ctx, opportunityId);
  const template = loadCriterionTemplate(ctx.projectDir);
  if (template.length === 0) {
    throw new ControllerError('No active GTM Criterion Template records: deploy the standard template');
  }
  const versions = [...new Set(template.map((t) => t.templateVersion).filter((v): v is string => !isBlank(v)))];
  const version = versions.length
    ? abbreviate(versions.join(', '), lengthOf(ctx, 'Pilot_Scorecard__c', 'Template_Version__c'))
    : null;
  const owner = await workbenchUserId(ctx.store);
  await inTransaction(ctx.store, async () => {
    const sc = await ensureScorecard(ctx, opp, version);
    const present = new Set(
      (
        await queryRows(
          ctx.store,
          'SELECT "Template_Key__c" AS k FROM "Pilot_Criterion__c" WHERE "Scorecard__c" = $sc AND "Template_Key__c" IS NOT NULL',
          { sc: sc.id }
        )
      ).map((r) => String(r.k))
    );
    for (const t of template) {
      if (present.has(t.key)) continue;
      const target = t.targetPolicyKey ? Number(ctx.policy.decimal(t.targetPolicyKey)) : t.targetValue;
      await insertRecord(ctx.store, 'Pilot_Criterion__c', {
        Name: abbreviate(t.metric, NAME_MAX),
        Scorecard__c: sc.id,
        Template_Key__c: t.key,
        Metric__c: t.metric,
        Unit__c: t.unit,
        Target_Value__c: target,
        Target_Direction__c: t.targetDirection,
        Weight__c: t.weight,
        Sort_Order__c: t.sortOrder,
        Due_Date__c: t.dueDays === null || sc.pilotStart === null ? null : addDays(sc.pilotStart, t.dueDays),
        Owner__c: owner,
        Status__c: NEW_CRITERION_STATUS
      });
    }
    await refreshScorecard(ctx, sc.id);
  });
  return getScorecard(ctx, opp.id);
}
