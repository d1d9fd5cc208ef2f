/**
 * exp-001 over the embedded store, for the workbench: GtmPqaPanelController (the Account's PQA signals with their
 * evidence, arm, routed owner and why, the SLA clock in the pool's business hours, transitions, escalations and
 * cooldown) and GtmPqaReadoutController (the lift readouts `gtm routing readout --publish` stored, for the page). The clock reads "now" as the workbench's today, 00:00 UTC.
 */
import type { PanelParams, PanelResult } from '../../contracts/panelContracts';
import { businessTimeBetween } from '../../rules/businessHours';
import { addDays } from '../../rules/ruleSupport';
import { judgeSla, OPEN_SLA_STATUSES, type SlaStatus } from '../../rules/slaRule';
import { loadPool } from '../../routing/pqaRun';
import { TOUCH_TYPES } from '../../routing/sweep';
import { parseStoredReadout } from '../../routing/publishedReadout';
import { READOUT_EXPERIMENTS } from '../../routing/readout';
import { ControllerError } from '../controllerPort';
import type { ControllerContext } from './context';
import {
  insertRecord,
  inTransaction,
  num,
  queryOne,
  queryRows,
  str,
  updateRecord,
  WORKBENCH_USER_NAME,
  type Row
} from './storeAccess';

type PqaView = PanelResult<'GtmPqaPanelController.getPqaView'>;
type SignalView = PqaView['signals'][number];
type AssignmentView = NonNullable<SignalView['assignment']>;
type PublishedView = PanelResult<'GtmPqaReadoutController.getReadout'>;

/** How many of an account's signals the panel lists (the org's PQA_SIGNAL_LIMIT). */
export const PQA_SIGNAL_LIMIT = 10;
const MINUTE_MS = 60_000;
const iso = (column: string) => `strftime(${column}, '%Y-%m-%dT%H:%M:%SZ')`;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const numberOr = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A JSON list stored in a long text field, read leniently: what is not a list of objects reads as empty. */
function jsonList(text: string | null): Record<string, unknown>[] {
  if (text === null) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter(isRecord) : [];
  } catch {
    return [];
  }
}

async function userNames(ctx: ControllerContext): Promise<Map<string, string>> {
  const users = await queryRows(ctx.store, 'SELECT "Id", "Name" FROM "User"');
  return new Map(users.map((u) => [String(u.Id), str(u.Name) ?? String(u.Id)]));
}

async function assignmentView(
  ctx: ControllerContext,
  a: Row,
  names: Map<string, string>,
  nowMs: number
): Promise<AssignmentView> {
  const owner = str(a.owner);
  const status = str(a.status);
  let sla: AssignmentView['sla'] = null;
  if (status !== null) {
    const open = (OPEN_SLA_STATUSES as readonly string[]).includes(status);
    const due = str(a.due);
    const pool = open && due !== null && str(a.pool) !== null ? await loadPool(ctx.store.db, str(a.pool)!) : null;
    sla = {
      status,
      closed: !open,
      slaHours: ctx.policy.integer('Exp001_First_Touch_Sla_Hours'),
      warningAt: str(a.warn),
      dueAt: due,
      reassignAt: str(a.re),
      firstTouchAt: str(a.touch),
      businessMinutesToDue:
        pool && due ? Math.trunc(businessTimeBetween(pool.hours, nowMs, Date.parse(due)) / MINUTE_MS) : null,
      businessHoursName: pool?.hours.name ?? str(a.hoursName)
    };
  }
  return {
    id: String(a.Id),
    arm: str(a.arm) ?? '',
    decision: str(a.decision) ?? '',
    reason: str(a.reason),
    ownerId: owner,
    ownerName: owner === null ? null : (names.get(owner) ?? owner),
    queue: str(a.queue),
    routedAt: str(a.routed),
    candidates: jsonList(str(a.candidates)).map((c) => {
      const userId = String(c.userId ?? '');
      return {
        userId,
        userName: names.get(userId) ?? userId,
        order: Math.trunc(numberOr(c.order) ?? 0),
        weight: String(c.weight ?? ''),
        assignments: Math.trunc(numberOr(c.assignments) ?? 0),
        credits: Math.trunc(numberOr(c.credits) ?? 0),
        load: typeof c.load === 'string' ? c.load : null,
        weekCount: Math.trunc(numberOr(c.weekCount) ?? 0),
        weeklyCap: numberOr(c.weeklyCap),
        eligible: c.eligible === true,
        reason: String(c.reason ?? ''),
        chosen: str(a.arm) === 'Treatment' ? userId === owner : false
      };
    }),
    sla,
    escalations: Math.trunc(num(a.escalations) ?? 0),
    transitions: jsonList(str(a.log))
      .filter((t) => typeof t.at === 'string')
      .map((t) => ({
        fromStatus: String(t.from ?? ''),
        toStatus: String(t.to ?? ''),
        at: String(t.at),
        actor: typeof t.actor === 'string' ? t.actor : null
      })),
    workflowResult: str(a.workflow),
    workflowFailure: str(a.failure),
    outcomeWindowEnd: str(a.windowEnd),
    pilotStartedAt: str(a.pilot)
  };
}

export async function getPqaView(ctx: ControllerContext, accountId: string): Promise<PqaView> {
  const account = await queryOne(ctx.store, 'SELECT "Id", "Name" FROM "Account" WHERE "Id" = $id', { id: accountId });
  if (!account) throw new ControllerError('The account was not found, or you do not have access to it');
  const now = `${ctx.today}T00:00:00Z`;
  const names = await userNames(ctx);
  const signals = await queryRows(
    ctx.store,
    `SELECT "Id", "Signal_Key__c" AS key, "Qualified_Week__c" AS week, ${iso('"Qualified_At__c"')} AS qualified,
            "Score__c" AS score, "Source__c" AS source, "Arm__c" AS arm, "Stratum__c" AS stratum,
            "Matched_Pair_Key__c" AS pair, "Evidence__c" AS evidence, ${iso('"Disqualified_At__c"')} AS disqualified,
            "Disqualified_Reason__c" AS why, strftime("Cooldown_Until__c", '%Y-%m-%d') AS cooldown
       FROM "PQA_Signal__c" WHERE "Account__c" = $id
      ORDER BY "Qualified_At__c" DESC NULLS LAST, "Id" DESC LIMIT ${PQA_SIGNAL_LIMIT}`,
    { id: accountId }
  );
  const assignments = await queryRows(
    ctx.store,
    `SELECT a."Id", a."PQA_Signal__c" AS signal, a."Arm__c" AS arm, a."Decision__c" AS decision,
            a."Decision_Reason__c" AS reason, a."Assigned_Owner__c" AS owner, a."Fallback_Queue__c" AS queue,
            ${iso('a."Routed_At__c"')} AS routed, a."Candidates__c" AS candidates, a."SLA_Status__c" AS status,
            ${iso('a."SLA_Warning_At__c"')} AS warn, ${iso('a."SLA_Due_At__c"')} AS due,
            ${iso('a."SLA_Reassign_At__c"')} AS re, ${iso('a."First_Touch_At__c"')} AS touch,
            a."Escalation_Count__c" AS escalations, a."Transitions__c" AS log, a."Workflow_Result__c" AS workflow,
            a."Workflow_Failure__c" AS failure, ${iso('a."Outcome_Window_End__c"')} AS windowEnd,
            ${iso('a."Pilot_Started_At__c"')} AS pilot, a."Pool_Key__c" AS pool,
            (SELECT max(m."Business_Hours_Name__c") FROM "Routing_Pool_Member__c" m WHERE m."Pool_Key__c" = a."Pool_Key__c") AS hoursName
       FROM "Routing_Assignment__c" a WHERE a."Account__c" = $id`,
    { id: accountId }
  );
  const bySignal = new Map(assignments.map((a) => [str(a.signal), a]));
  const views: SignalView[] = [];
  for (const s of signals) {
    const a = bySignal.get(String(s.Id));
    views.push({
      id: String(s.Id),
      signalKey: str(s.key) ?? '',
      week: str(s.week) ?? '',
      qualifiedAt: str(s.qualified),
      score: num(s.score),
      source: str(s.source),
      arm: str(s.arm),
      stratum: str(s.stratum),
      matchedPairKey: str(s.pair),
      evidence: jsonList(str(s.evidence)).map((e) => ({
        metric: String(e.metric ?? ''),
        value: numberOr(e.value),
        threshold: numberOr(e.threshold),
        met: e.met === true
      })),
      disqualifiedAt: str(s.disqualified),
      disqualifiedReason: str(s.why),
      cooldownUntil: str(s.cooldown),
      assignment: a ? await assignmentView(ctx, a, names, Date.parse(now)) : null
    });
  }
  return { accountId, accountName: str(account.Name) ?? accountId, now, signals: views };
}

/**
 * GtmPqaPanelController.disqualify over the store: the reason is required; the signal gets its disqualification and
 * cooldown (today + Pqa_Cooldown_Days), and its open SLA is judged with the disqualification (the clock stops:
 * Excluded before due), in one transaction. Mirrors GtmPqaView.disqualify.
 */
export async function disqualify(
  ctx: ControllerContext,
  params: PanelParams<'GtmPqaPanelController.disqualify'>
): Promise<PqaView> {
  const reason = params.reason.trim();
  if (!reason) throw new ControllerError('Enter why this account is not a PQA before you disqualify it.');
  const signal = await queryOne(
    ctx.store,
    `SELECT "Id", "Account__c" AS account, "Disqualified_At__c" AS done FROM "PQA_Signal__c" WHERE "Id" = $id`,
    { id: params.signalId }
  );
  if (!signal) throw new ControllerError('The PQA signal was not found. Reload the page.');
  if (signal.done !== null) throw new ControllerError('This PQA was disqualified already.');
  const now = `${ctx.today}T00:00:00Z`;
  const actor = WORKBENCH_USER_NAME;
  await inTransaction(ctx.store, async () => {
    await updateRecord(ctx.store, 'PQA_Signal__c', params.signalId, {
      Disqualified_At__c: now.replace('T', ' ').replace('Z', ''),
      Disqualified_Reason__c: reason.slice(0, 255),
      Cooldown_Until__c: addDays(ctx.today, ctx.policy.integer('Pqa_Cooldown_Days'))
    });
    const a = await queryOne(
      ctx.store,
      `SELECT "Id", "SLA_Status__c" AS status, ${iso('"Routed_At__c"')} AS routed, ${iso('"SLA_Warning_At__c"')} AS warn,
              ${iso('"SLA_Due_At__c"')} AS due, ${iso('"SLA_Reassign_At__c"')} AS re, ${iso('"First_Touch_At__c"')} AS touch,
              "Transitions__c" AS log
         FROM "Routing_Assignment__c" WHERE "PQA_Signal__c" = $id`,
      { id: params.signalId }
    );
    const status = a ? str(a.status) : null;
    if (!a || status === null || !(OPEN_SLA_STATUSES as readonly string[]).includes(status)) return;
    const judged = judgeSla(
      {
        status: status as SlaStatus,
        routedAt: String(a.routed),
        warningAt: String(a.warn),
        dueAt: String(a.due),
        reassignAt: String(a.re),
        firstTouchAt: str(a.touch),
        touchByOwner: true,
        anyTouchCounts: ctx.policy.boolean('Exp001_Any_Touch_Counts'),
        disqualifiedAt: now,
        convertedAt: null
      },
      now
    );
    if (!judged.transitions.length) return;
    await updateRecord(ctx.store, 'Routing_Assignment__c', String(a.Id), {
      SLA_Status__c: judged.status,
      Transitions__c: JSON.stringify([...jsonList(str(a.log)), ...judged.transitions.map((t) => ({ ...t, actor }))])
    });
  });
  return getPqaView(ctx, String(signal.account));
}

/**
 * GtmPqaPanelController.logTouch over the store, as GtmTouchService.logTouch and the Task trigger do in the org: the
 * touch becomes a completed Task on the account (the workbench acts as the PQA's owner, so it counts) and the open
 * SLA is judged with it at once (Met before due, Breached after), the touch, its Task and the transition kept, in one
 * transaction. `gtm routing sweep` would find the same Task.
 */
export async function logTouch(
  ctx: ControllerContext,
  params: PanelParams<'GtmPqaPanelController.logTouch'>
): Promise<PqaView> {
  if (!(TOUCH_TYPES as readonly string[]).includes(params.kind))
    throw new ControllerError('Choose what the touch was: Call, Email or Meeting.');
  const a = await queryOne(
    ctx.store,
    `SELECT a."Id", a."Account__c" AS account, acc."Name" AS accountName, a."Assigned_Owner__c" AS owner,
            a."SLA_Status__c" AS status, ${iso('a."Routed_At__c"')} AS routed, ${iso('a."SLA_Warning_At__c"')} AS warn,
            ${iso('a."SLA_Due_At__c"')} AS due, ${iso('a."SLA_Reassign_At__c"')} AS re,
            ${iso('a."First_Touch_At__c"')} AS touch, a."Transitions__c" AS log
       FROM "Routing_Assignment__c" a LEFT JOIN "Account" acc ON acc."Id" = a."Account__c"
      WHERE a."PQA_Signal__c" = $id AND a."Arm__c" = 'Treatment'`,
    { id: params.signalId }
  );
  if (!a)
    throw new ControllerError('This PQA has no treatment routing, so there is no first-touch SLA to log against.');
  const status = str(a.status);
  if (str(a.touch) !== null || status === null || !(OPEN_SLA_STATUSES as readonly string[]).includes(status))
    throw new ControllerError(`The SLA of this PQA is closed already (${status ?? 'no SLA'}).`);
  const now = `${ctx.today}T00:00:00Z`;
  const at = now.replace('T', ' ').replace('Z', '');
  await inTransaction(ctx.store, async () => {
    const taskId = await insertRecord(ctx.store, 'Task', {
      Subject: `${params.kind}: PQA first touch, ${str(a.accountName) ?? ''}`.slice(0, 255),
      WhatId: str(a.account),
      OwnerId: str(a.owner),
      ActivityDate: ctx.today,
      Description: params.note?.trim() || null,
      Status: 'Completed',
      IsClosed: true,
      TaskSubtype: params.kind === 'Meeting' ? 'Task' : params.kind,
      Type: params.kind === 'Meeting' ? 'Meeting' : null,
      CompletedDateTime: at
    });
    const judged = judgeSla(
      {
        status: status as SlaStatus,
        routedAt: String(a.routed),
        warningAt: String(a.warn),
        dueAt: String(a.due),
        reassignAt: String(a.re),
        firstTouchAt: now,
        touchByOwner: true,
        anyTouchCounts: ctx.policy.boolean('Exp001_Any_Touch_Counts'),
        disqualifiedAt: null,
        convertedAt: null
      },
      now
    );
    await updateRecord(ctx.store, 'Routing_Assignment__c', String(a.Id), {
      First_Touch_At__c: at,
      First_Touch_Activity_Id__c: taskId,
      SLA_Status__c: judged.status,
      Transitions__c: JSON.stringify([
        ...jsonList(str(a.log)),
        ...judged.transitions.map((t) => ({ ...t, actor: WORKBENCH_USER_NAME }))
      ])
    });
  });
  return getPqaView(ctx, String(a.account));
}

/**
 * GtmPqaReadoutController.getReadout over the store: the readouts `gtm routing readout --publish` stored
 * (Routing_Readout__c), the newest or the one of the as-of asked for, with every stored as-of for the picker.
 */
export async function getReadout(
  ctx: ControllerContext,
  params: PanelParams<'GtmPqaReadoutController.getReadout'>
): Promise<PublishedView> {
  if (!READOUT_EXPERIMENTS.includes(params.experimentKey))
    throw new ControllerError(`${params.experimentKey} has no readout; known: ${READOUT_EXPERIMENTS.join(', ')}`);
  const rows = await queryRows(
    ctx.store,
    `SELECT "Readout_Key__c" AS key, strftime("As_Of__c", '%Y-%m-%d') AS asOf, "Results_Json__c" AS json
       FROM "Routing_Readout__c" WHERE "Experiment_Key__c" = $experiment AND "As_Of__c" IS NOT NULL
      ORDER BY "As_Of__c" DESC`,
    { experiment: params.experimentKey }
  );
  const asOfs = rows.map((r) => String(r.asOf));
  const chosen = params.asOf ? rows.find((r) => r.asOf === params.asOf) : rows[0];
  if (params.asOf && !chosen)
    throw new ControllerError(
      `No ${params.experimentKey} readout is published as of ${params.asOf}; published: ${asOfs.join(', ') || 'none'}`
    );
  let readout: PublishedView['readout'] = null;
  if (chosen) {
    try {
      readout = parseStoredReadout(String(chosen.key), str(chosen.json));
    } catch (err) {
      throw new ControllerError((err as Error).message);
    }
  }
  return { experiment: params.experimentKey, asOfs, readout };
}
