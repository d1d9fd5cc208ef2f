/**
 * GtmPilotScorecardController over the embedded store (exp-003, exp-006): the opportunity's pilot scorecard with
 * its criteria, score, week-1 completion, hallucination gate and production readiness, and the three edits the
 * panel makes (criterion actual/status, a new criterion, the success-criteria template).
 */
import type { PanelParams, PanelResult } from '../../contracts/panelContracts';
import { judgeCollateral } from '../../rules/collateralRule';
import { judgeReadiness, type HallucinationGateRecord } from '../../rules/readinessRule';
import { judgedAuditGate } from '../../audit/dealGate';
import { addDays, isBlank } from '../../rules/ruleSupport';
import {
  criterionComplete,
  criterionMet,
  criterionValueLimits,
  criterionValueProblem,
  scoreScorecard,
  type CriterionRecord,
  type CriterionValueField
} from '../../rules/scorecardRule';
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
import { blockerSteps, type BlockerFacts } from './blockerSteps';
import type { ReadinessBlocker } from '../../rules/readinessRule';
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

/** Status__c values that are a measurement (actual vs target), not a person's progress word. */
export const MEASURED_STATUSES = new Set(['Met', 'Not Met']);

/**
 * The progress word an old measured status stands for (criteria saved before status became progress only), as
 * GtmScorecardService.LEGACY_STATUS reads it; GtmCriterionStatusMigration rewrites them once in the org.
 */
export const LEGACY_STATUS: Readonly<Record<string, string>> = { Met: 'On Track', 'Not Met': 'At Risk' };

/** A stored status as a progress word (GtmScorecardService.progressStatus). */
export function progressStatus(stored: string | null): string | null {
  return stored !== null && Object.prototype.hasOwnProperty.call(LEGACY_STATUS, stored)
    ? LEGACY_STATUS[stored]!
    : stored;
}
/** Units the add form always offers besides the template's and the criteria's. */
const STANDARD_UNITS = ['ratio', '%', 'count', 'minutes'];
/** The stages of a closed deal in the store: the policy's won stage and the standard lost one. */
const CLOSED_LOST = 'Closed Lost';

function isClosedStage(ctx: ControllerContext, stage: string | null): boolean {
  return stage !== null && (stage === ctx.policy.text('Stage_Closed_Won') || stage === CLOSED_LOST);
}

function requireOpen(ctx: ControllerContext, opp: OpportunityRecord): void {
  if (isClosedStage(ctx, opp.stageName)) {
    throw new ControllerError(
      `This opportunity is closed (${opp.stageName}): a closed deal starts no pilot and takes no new criteria`
    );
  }
}

/** The range a criterion field keeps to (scorecard rule), with the field's precision and scale from force-app. */
function limitsOf(ctx: ControllerContext, field: CriterionValueField, unit: string | null) {
  const def = ctx.store.schema.field('Pilot_Criterion__c', field);
  return criterionValueLimits(field, unit, def.precision ?? 18, def.scale ?? 0);
}

/** Refuses a value outside its unit's and its field's range, in the rule's words (as the Apex service does). */
function requireInRange(ctx: ControllerContext, field: CriterionValueField, value: number | null, unit: string | null) {
  const def = ctx.store.schema.field('Pilot_Criterion__c', field);
  const problem = criterionValueProblem(field, value, unit, def.precision ?? 18, def.scale ?? 0);
  if (problem !== null) throw new ControllerError(problem);
}

async function requireActiveUser(ctx: ControllerContext, userId: string): Promise<string> {
  const user = await queryOne(ctx.store, 'SELECT "Id" FROM "User" WHERE "Id" = $id', { id: userId });
  if (!user) throw new ControllerError('The criterion owner must be an active user');
  return userId;
}

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

/**
 * The fallback path in words, as GtmScorecardService says it: the text a person wrote, else the structured path the
 * hallucination gate judges (its type, and whether it was tested), so the scorecard and the gate panel agree.
 */
export function fallbackText(gate: Row): string | null {
  const written = str(gate.Fallback_Path__c);
  if (written && written.trim()) return written;
  const type = str(gate.Fallback_Type__c);
  if (!type) return null;
  return `${type}${gate.Fallback_Tested_At__c == null ? ' (not tested yet)' : ' (tested)'}`;
}

/** The latest hallucination-audit gate recorded for the opportunity (latest audit first, then latest record). */
export async function latestHallucinationGate(ctx: ControllerContext, opportunityId: string): Promise<Row | null> {
  return queryOne(
    ctx.store,
    `SELECT "Id", "Status__c", "Measured_Value__c", "Sample_Size__c", "Fallback_Path__c", "Fallback_Type__c",
            "Fallback_Tested_At__c", "Audited_Date__c"
     FROM "GTM_Launch_Gate__c" WHERE "Gate_Type__c" = $type AND "Opportunity__c" = $opp
     ORDER BY "Audited_Date__c" DESC NULLS LAST, "Id" DESC LIMIT 1`,
    { type: HALLUCINATION_AUDIT, opp: opportunityId }
  );
}

/**
 * Production readiness as GtmOpportunityGateService judges a pilot: the scorecard's criteria scored from its pilot
 * start (a pilot without a scorecard: from the opportunity's), the latest hallucination audit, the collateral.
 * Shared by the panel and the workbench's stage gate, so both say the same blockers.
 */
export async function productionReadiness(
  ctx: ControllerContext,
  opp: OpportunityRecord,
  scorecard: Row | null,
  /** the pilot start when there is no scorecard: the gate takes the opportunity's, the panel none */
  pilotStartWithoutScorecard: string | null = null
) {
  const rows = scorecard ? await criteriaOf(ctx, String(scorecard.Id)) : [];
  const records = rows.map(criterionRecord);
  const pilotStart = scorecard ? day(scorecard.Pilot_Start_Date__c) : pilotStartWithoutScorecard;
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
  // exp-006: a deal with audit runs is judged by the hallucination gate rule, as GtmOpportunityGateService does
  const audit = await judgedAuditGate(ctx.store, opp.id, ctx.policy, ctx.today);
  const readiness = judgeReadiness({ scorecard: verdict, gate, collateral, audit }, ctx.policy);
  return { rows, records, verdict, gateRow, gate, readiness, audit };
}

/** The opportunity's scorecard row (the first created), or null. */
export const scorecardOf = latestScorecard;

export async function getScorecard(ctx: ControllerContext, opportunityId: string): Promise<ScorecardView> {
  const opp = await findOpportunity(ctx, opportunityId);
  const scorecard = await latestScorecard(ctx, opp.id);
  const { rows, records, verdict, gateRow, gate, readiness } = await productionReadiness(ctx, opp, scorecard);
  const blockers = await blockerViews(ctx, opp, readiness.blockers, verdict.score);
  const pilotStart = scorecard ? day(scorecard.Pilot_Start_Date__c) : null;
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
      status: progressStatus(str(r.Status__c)),
      met: criterionMet(records[i]!),
      complete: criterionComplete(records[i]!),
      valueMin: Number(limitsOf(ctx, 'Actual_Value__c', str(r.Unit__c)).min),
      valueMax: Number(limitsOf(ctx, 'Actual_Value__c', str(r.Unit__c)).max)
    })),
    score: verdict.score,
    minScore: ctx.policy.decimal('Pilot_Ready_Min_Score'),
    metWeight: verdict.metWeight,
    totalWeight: verdict.totalWeight,
    completion: verdict.completion,
    completionDeadline: verdict.deadline,
    daysLeft: verdict.daysLeft,
    incompleteCount: verdict.incompleteCount,
    readiness: { ready: readiness.ready, blockers },
    gate: gateRow
      ? {
          id: String(gateRow.Id),
          status: gate!.Status__c ?? null,
          measuredValue: gate!.Measured_Value__c ?? null,
          sampleSize: gate!.Sample_Size__c ?? null,
          fallbackPath: fallbackText(gateRow),
          auditedDate: day(gateRow.Audited_Date__c)
        }
      : null,
    canEdit: true,
    statusOptions: criterionStatuses(ctx),
    canSetUp: !isClosedStage(ctx, opp.stageName),
    unitOptions: unitOptions(ctx, rows),
    weightMax: Number(limitsOf(ctx, 'Weight__c', null).max)
  };
}

function unitOptions(ctx: ControllerContext, rows: Row[]) {
  const units: string[] = [];
  const add = (u: string | null | undefined) => {
    const t = (u ?? '').trim();
    if (t !== '' && !units.includes(t)) units.push(t);
  };
  for (const t of loadCriterionTemplate(ctx.projectDir)) add(t.unit);
  for (const r of rows) add(str(r.Unit__c));
  for (const u of STANDARD_UNITS) add(u);
  return units.map((unit) => {
    const limits = limitsOf(ctx, 'Actual_Value__c', unit);
    return { unit, min: Number(limits.min), max: Number(limits.max) };
  });
}

/**
 * The deal's records a blocker's step points at (GtmScorecardService.blockerFacts): its owner, its criteria in the
 * panel's order, the latest hallucination-audit gate, the security packet and the collateral judged.
 */
async function blockerFacts(
  ctx: ControllerContext,
  opp: OpportunityRecord,
  score: number | null
): Promise<BlockerFacts> {
  const scorecard = await latestScorecard(ctx, opp.id);
  const rows = scorecard ? await criteriaOf(ctx, String(scorecard.Id)) : [];
  const owner = opp.ownerId
    ? await queryOne(ctx.store, 'SELECT "Name" FROM "User" WHERE "Id" = $id', { id: opp.ownerId })
    : null;
  const gateRow = await latestHallucinationGate(ctx, opp.id);
  const packet = await queryOne(
    ctx.store,
    'SELECT "Id" FROM "Security_Packet__c" WHERE "Opportunity__c" = $opp ORDER BY "Id" DESC LIMIT 1',
    { opp: opp.id }
  );
  const collateral = new Map<string, { id: string; ownerName: string | null; validUntil: string | null }>();
  // the judged item of each type (the collateral rule's pick: the latest valid-until, undated beats dated); the
  // store keeps no collateral owners: Security is named instead
  for (const r of await relevantCollateral(ctx, opp.id)) {
    const type = str(r.Collateral_Type__c);
    const until = day(r.Valid_Until__c);
    if (type === null) continue;
    const seen = collateral.get(type);
    if (seen && (seen.validUntil === null || (until !== null && until <= seen.validUntil))) continue;
    collateral.set(type, { id: String(r.Id), ownerName: null, validUntil: until });
  }
  return {
    ownerName: owner ? str(owner.Name) : null,
    criteria: rows.map((r) => ({
      id: String(r.Id),
      metric: str(r.Metric__c) ?? str(r.Name) ?? '',
      ownerName: str(r.__ownerName),
      record: criterionRecord(r)
    })),
    gateId: gateRow ? String(gateRow.Id) : null,
    packetId: packet ? String(packet.Id) : null,
    collateral,
    score,
    minScore: ctx.policy.decimal('Pilot_Ready_Min_Score'),
    audit: await judgedAuditGate(ctx.store, opp.id, ctx.policy, ctx.today)
  };
}

/** The readiness blockers with who acts, where the fix is made and the next step (the panel's contract). */
export async function blockerViews(
  ctx: ControllerContext,
  opp: OpportunityRecord,
  blockers: readonly ReadinessBlocker[],
  score: number | null
) {
  return blockers.length === 0 ? [] : blockerSteps(blockers, await blockerFacts(ctx, opp, score));
}

/** The Status__c values a person sets: progress words (Met / Not Met are measured, never typed). */
function criterionStatuses(ctx: ControllerContext): string[] {
  return ctx.store.schema
    .field('Pilot_Criterion__c', 'Status__c')
    .picklistValues.filter((s) => !MEASURED_STATUSES.has(s));
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
  // starting a pilot starts its clock on the deal too (the production gate reads the opportunity's date)
  if (opp.pilotStartDate === null) {
    await updateRecord(ctx.store, 'Opportunity', opp.id, { Pilot_Start_Date__c: pilotStart });
  }
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
    `SELECT c."Id", c."Scorecard__c", c."Unit__c", c."Actual_Value__c", c."Target_Value__c", s."Opportunity__c"
     FROM "Pilot_Criterion__c" c JOIN "Pilot_Scorecard__c" s ON s."Id" = c."Scorecard__c" WHERE c."Id" = $id`,
    { id: p.criterionId }
  );
  if (!row) throw new ControllerError('The criterion was not found');
  const statuses = criterionStatuses(ctx);
  if (p.status !== null && !statuses.includes(p.status)) {
    throw new ControllerError(`Status "${p.status}" is not one of: ${statuses.join(', ')}`);
  }
  const clearing = p.clearActual === true;
  if (clearing && p.actualValue !== null) {
    throw new ControllerError('Either clear the actual value or give one, not both');
  }
  const unit = p.unit != null ? p.unit.trim() : str(row.Unit__c);
  const valueScale = scaleOf(ctx, 'Pilot_Criterion__c', 'Actual_Value__c');
  // a null field is left as it is; the actual is cleared only when the person cleared it
  const change: Record<string, number | string | null> = {};
  if (p.unit != null) change.Unit__c = abbreviate(unit ?? '', lengthOf(ctx, 'Pilot_Criterion__c', 'Unit__c'));
  if (clearing) {
    change.Actual_Value__c = null;
  } else if (p.actualValue !== null) {
    requireInRange(ctx, 'Actual_Value__c', p.actualValue, unit);
    change.Actual_Value__c = roundTo(p.actualValue, valueScale);
  }
  if (p.targetValue != null) {
    requireInRange(ctx, 'Target_Value__c', p.targetValue, unit);
    change.Target_Value__c = roundTo(p.targetValue, scaleOf(ctx, 'Pilot_Criterion__c', 'Target_Value__c'));
  }
  if (p.unit != null) {
    // the values the criterion keeps must fit the new unit too
    requireInRange(
      ctx,
      'Actual_Value__c',
      clearing || p.actualValue !== null ? p.actualValue : num(row.Actual_Value__c),
      unit
    );
    requireInRange(ctx, 'Target_Value__c', p.targetValue ?? num(row.Target_Value__c), unit);
  }
  if (p.targetDirection != null) {
    if (!directions(ctx).includes(p.targetDirection)) {
      throw new ControllerError(`Target direction must be ${directions(ctx).join(' or ')}, not "${p.targetDirection}"`);
    }
    change.Target_Direction__c = p.targetDirection;
  }
  if (p.weight != null) {
    requireInRange(ctx, 'Weight__c', p.weight, null);
    change.Weight__c = roundTo(p.weight, scaleOf(ctx, 'Pilot_Criterion__c', 'Weight__c'));
  }
  if (p.ownerId != null) change.Owner__c = await requireActiveUser(ctx, p.ownerId);
  if (p.dueDate != null) change.Due_Date__c = p.dueDate;
  if (p.status !== null) change.Status__c = p.status;
  await inTransaction(ctx.store, async () => {
    if (Object.keys(change).length > 0) await updateRecord(ctx.store, 'Pilot_Criterion__c', String(row.Id), change);
    await refreshScorecard(ctx, String(row.Scorecard__c));
  });
  return getScorecard(ctx, String(row.Opportunity__c));
}

/** Removes a criterion (the panel asks first) and keeps the stored score current. */
export async function deleteCriterion(
  ctx: ControllerContext,
  p: PanelParams<'GtmPilotScorecardController.deleteCriterion'>
): Promise<ScorecardView> {
  const row = await queryOne(
    ctx.store,
    `SELECT c."Id", c."Scorecard__c", s."Opportunity__c"
     FROM "Pilot_Criterion__c" c JOIN "Pilot_Scorecard__c" s ON s."Id" = c."Scorecard__c" WHERE c."Id" = $id`,
    { id: p.criterionId }
  );
  if (!row) throw new ControllerError('The criterion was not found');
  await inTransaction(ctx.store, async () => {
    await ctx.store.db.run('DELETE FROM "Pilot_Criterion__c" WHERE "Id" = $id', { id: String(row.Id) });
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
  const unit = p.unit == null || p.unit.trim() === '' ? null : p.unit.trim();
  requireInRange(ctx, 'Target_Value__c', p.targetValue, unit);
  requireInRange(ctx, 'Weight__c', p.weight, null);
  const opp = await findOpportunity(ctx, p.opportunityId);
  requireOpen(ctx, opp);
  const owner = p.ownerId != null ? await requireActiveUser(ctx, p.ownerId) : await workbenchUserId(ctx.store);
  await inTransaction(ctx.store, async () => {
    const sc = await ensureScorecard(ctx, opp, null);
    await insertRecord(ctx.store, 'Pilot_Criterion__c', {
      Name: abbreviate(metric, NAME_MAX),
      Scorecard__c: sc.id,
      Metric__c: abbreviate(metric, lengthOf(ctx, 'Pilot_Criterion__c', 'Metric__c')),
      Unit__c: unit === null ? null : abbreviate(unit, lengthOf(ctx, 'Pilot_Criterion__c', 'Unit__c')),
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
  requireOpen(ctx, opp);
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
