/**
 * GtmExpansionTriggerController over the embedded store (exp-005): the account's weekly AI resolution share, the
 * current streak, its expansion triggers with their evidence, and the two decisions CS Ops make on a trigger.
 * Mirrors GtmExpansionService (limits, order, messages, the follow-up Task).
 */
import type { PanelParams, PanelResult } from '../../contracts/panelContracts';
import { addDays } from '../../rules/ruleSupport';
import { evaluateStreak, mondayOnOrBefore, shareOf, type StreakResult } from '../../rules/streakRule';
import { isoWeekLabel, weekIndexOf } from '../../usage/isoWeek';
import { ControllerError } from '../controllerPort';
import { day, num, str, type ControllerContext } from './context';
import {
  inTransaction,
  insertRecord,
  queryOne,
  queryRows,
  updateRecord,
  workbenchUserId,
  type Row
} from './storeAccess';

type ExpansionView = PanelResult<'GtmExpansionTriggerController.getExpansionView'>;
type TriggerView = ExpansionView['triggers'][number];
type StreakView = ExpansionView['streak'];
export type OpportunityOption = ExpansionView['openOpportunities'][number];

/** Triggers that are still a question: a person may accept or dismiss them. */
export const UNDECIDED = ['Shadow', 'Open'];
export const ACCEPTED = 'Accepted';
export const DISMISSED = 'Dismissed';
/** How many of an account's triggers the panel lists (the org's RECENT_TRIGGERS). */
const TRIGGER_LIMIT = 10;
/** Usage weeks read for the streak at least (the org's HISTORY_WEEKS): a bound on rows, not a threshold. */
const HISTORY_WEEKS = 104;

interface Evidence {
  weeks: TriggerView['evidenceWeeks'];
  share: number | null;
  /** the share threshold as written in the evidence, e.g. "0.40" */
  shareText: string | null;
  minTickets: number | null;
  consecutiveWeeks: number | null;
  cooldownWeeks: number | null;
}

const numberOf = (v: unknown): number | null => {
  if (v === null || v === undefined || v === '' || typeof v === 'object') return null;
  const n = Number(typeof v === 'string' ? v.trim() : v);
  return Number.isFinite(n) ? n : null;
};
const integerOf = (v: unknown): number | null => {
  const n = numberOf(v);
  return n === null ? null : Math.trunc(n);
};
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Evidence__c as the usage sync writes it, read leniently: a missing or malformed part is left empty. */
function readEvidence(text: string | null): Evidence {
  const out: Evidence = {
    weeks: [],
    share: null,
    shareText: null,
    minTickets: null,
    consecutiveWeeks: null,
    cooldownWeeks: null
  };
  if (text === null) return out;
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return out;
  }
  if (!isRecord(root)) return out;
  for (const w of Array.isArray(root.weeks) ? root.weeks : []) {
    if (!isRecord(w)) continue;
    const ticketsTotal = integerOf(w.ticketsTotal) ?? 0;
    const aiResolved = integerOf(w.aiResolved);
    const share = numberOf(w.share) ?? (aiResolved === null ? null : shareOf(aiResolved, ticketsTotal));
    const weekStart = typeof w.weekStart === 'string' ? w.weekStart.trim() : '';
    out.weeks.push({
      isoWeek: w.isoWeek === null || w.isoWeek === undefined ? '' : String(w.isoWeek),
      weekStart: /^\d{4}-\d{2}-\d{2}$/.test(weekStart) ? weekStart : null,
      ticketsTotal,
      aiResolved,
      share: share ?? 0
    });
  }
  if (isRecord(root.thresholds)) {
    out.share = numberOf(root.thresholds.share);
    const written = root.thresholds.share;
    out.shareText = out.share === null ? null : typeof written === 'string' ? written.trim() : String(out.share);
    out.minTickets = integerOf(root.thresholds.minTickets);
    out.consecutiveWeeks = integerOf(root.thresholds.consecutiveWeeks);
    out.cooldownWeeks = integerOf(root.thresholds.cooldownWeeks);
  }
  return out;
}

/** A share as a percentage with one decimal (half up), e.g. 48.0%; ? when unknown. */
function percentOf(share: number | null): string {
  if (share === null) return '?';
  const tenths = Math.round(Number((share * 1000).toPrecision(12)));
  return `${(tenths / 10).toFixed(1)}%`;
}

/** The evidence for people, one line per week and the thresholds in force (the org's Task description). */
function evidenceSummary(raw: string | null): string {
  const e = readEvidence(raw);
  if (e.weeks.length === 0) return raw === null || raw.trim() === '' ? 'none recorded' : raw;
  const text = (n: number | null | undefined) => (n === null || n === undefined ? '?' : String(n));
  const lines = e.weeks.map(
    (w) => `- ${w.isoWeek}: ${text(w.aiResolved)} of ${w.ticketsTotal} tickets resolved by AI (${percentOf(w.share)})`
  );
  if (e.share !== null) {
    lines.push(
      `Thresholds: share at least ${e.shareText}, at least ${text(e.minTickets)} tickets a week, ` +
        `${text(e.consecutiveWeeks)} consecutive weeks, ${text(e.cooldownWeeks)} weeks cooldown.`
    );
  }
  return `\n${lines.join('\n')}`;
}

const int = (v: Row[string] | undefined) => {
  const n = num(v);
  return n === null ? null : Math.trunc(n);
};

const labelOf = (t: Row) => str(t.Fired_Week__c) ?? str(t.Name) ?? String(t.Id);

function triggerView(r: Row): TriggerView {
  const status = str(r.Status__c) ?? '';
  const evidence = readEvidence(str(r.Evidence__c));
  return {
    id: String(r.Id),
    isoWeek: str(r.Fired_Week__c) ?? '',
    weekStart: day(r.Fired_Week_Start__c),
    status,
    mode: str(r.Mode__c),
    share: num(r.AI_Resolution_Share__c),
    ticketsTotal: int(r.Tickets_Total__c),
    streakStartWeek: str(r.Streak_Start_Week__c),
    evidenceWeeks: evidence.weeks,
    // the thresholds stored on the trigger, else those in its evidence
    shareThreshold: num(r.Share_Threshold__c) ?? evidence.share,
    minWeeklyTickets: int(r.Min_Weekly_Tickets__c) ?? evidence.minTickets,
    requiredWeeks: int(r.Required_Weeks__c) ?? evidence.consecutiveWeeks,
    cooldownWeeks: int(r.Cooldown_Weeks__c) ?? evidence.cooldownWeeks,
    decisionReason: str(r.Decision_Reason__c),
    decidedDate: day(r.Decided_Date__c),
    decidedByName: str(r.__decidedByName),
    expansionOpportunityId: str(r.Expansion_Opportunity__c),
    expansionOpportunityName: str(r.__opportunityName),
    followUpTaskId: str(r.Follow_Up_Task_Id__c),
    outcomeLabel: str(r.Outcome_Label__c),
    canDecide: UNDECIDED.includes(status),
    snoozedUntil: day(r.Snoozed_Until__c),
    followUpTask: null
  };
}

/** ISO week label of a Monday (YYYY-MM-DD). */
const isoWeekOfMonday = (monday: string) => isoWeekLabel(weekIndexOf(Date.parse(`${monday}T00:00:00Z`)));

/**
 * Why the streak is not longer (the org's applyShortfall): the complete week before its first week, and whether it had
 * no tickets, fewer than Expansion_Min_Weekly_Tickets or a share below Expansion_Share_Threshold.
 */
function shortfall(ctx: ControllerContext, streak: StreakResult): Partial<StreakView> {
  const latestComplete = mondayOnOrBefore(addDays(ctx.today, -7));
  const shortStart = addDays(latestComplete, -7 * streak.length);
  const week = streak.weeks.find((w) => w.weekStart === shortStart && !w.qualifies);
  if (!week) return { shortWeek: isoWeekOfMonday(shortStart), shortReason: 'no_tickets' };
  const minTickets = ctx.policy.integer('Expansion_Min_Weekly_Tickets');
  return {
    shortWeek: week.isoWeek || isoWeekOfMonday(shortStart),
    shortTickets: week.ticketsTotal,
    shortShare: week.share,
    shortReason:
      week.ticketsTotal === 0 ? 'no_tickets' : week.ticketsTotal < minTickets ? 'below_minimum' : 'below_threshold'
  };
}

/** The cooldown after the newest trigger: set while its end is after the latest complete week (the org's applyCooldown). */
function cooldown(ctx: ControllerContext, newest: TriggerView | undefined): Partial<StreakView> {
  if (!newest) return {};
  const out: Partial<StreakView> = { lastFiredWeek: newest.isoWeek || null };
  if (!newest.weekStart) return out;
  const next = addDays(newest.weekStart, 7 * ctx.policy.integer('Expansion_Cooldown_Weeks'));
  const latestComplete = mondayOnOrBefore(addDays(ctx.today, -7));
  return { ...out, nextFireWeekStart: next > latestComplete ? next : null };
}

/**
 * Open opportunities of the accounts, soonest close first. The store keeps no IsClosed: the policy's won stage is the
 * closed one the sample world uses.
 */
export async function openOpportunitiesByAccount(
  ctx: ControllerContext,
  accountIds: string[]
): Promise<Map<string, OpportunityOption[]>> {
  const out = new Map<string, OpportunityOption[]>();
  if (accountIds.length === 0) return out;
  const rows = await queryRows(
    ctx.store,
    `SELECT "Id", "Name", "AccountId", "StageName", "CloseDate" FROM "Opportunity"
     WHERE list_contains($ids::VARCHAR[], "AccountId") AND coalesce("StageName", '') <> $won
     ORDER BY "CloseDate" ASC NULLS LAST, "Name" ASC`,
    { ids: JSON.stringify(accountIds), won: ctx.policy.text('Stage_Closed_Won') }
  );
  for (const r of rows) {
    const key = String(r.AccountId);
    const list = out.get(key) ?? [];
    list.push({ id: String(r.Id), name: str(r.Name) ?? '', stageName: str(r.StageName), closeDate: day(r.CloseDate) });
    out.set(key, list);
  }
  return out;
}

/** The follow-up Tasks of the triggers, with owner and due date. */
async function withFollowUpTasks(ctx: ControllerContext, triggers: TriggerView[]): Promise<TriggerView[]> {
  const ids = triggers.map((t) => t.followUpTaskId).filter((x): x is string => Boolean(x));
  if (ids.length === 0) return triggers;
  const rows = await queryRows(
    ctx.store,
    `SELECT t."Id", t."Subject", t."ActivityDate", t."Status", u."Name" AS "__ownerName"
     FROM "Task" t LEFT JOIN "User" u ON u."Id" = t."OwnerId" WHERE list_contains($ids::VARCHAR[], t."Id")`,
    { ids: JSON.stringify(ids) }
  );
  const byId = new Map(rows.map((r) => [String(r.Id), r]));
  return triggers.map((t) => {
    const r = t.followUpTaskId ? byId.get(t.followUpTaskId) : undefined;
    if (!r) return t;
    return {
      ...t,
      followUpTask: {
        id: String(r.Id),
        subject: str(r.Subject),
        ownerName: str(r.__ownerName),
        dueDate: day(r.ActivityDate),
        status: str(r.Status)
      }
    };
  });
}

export async function getExpansionView(ctx: ControllerContext, accountId: string): Promise<ExpansionView> {
  const account = await queryOne(
    ctx.store,
    'SELECT "Id", "Name", "Usage_Account_Key__c" FROM "Account" WHERE "Id" = $id',
    { id: accountId }
  );
  if (!account) throw new ControllerError('The account was not found, or you do not have access to it.');
  const chartWeeks = ctx.policy.integer('Expansion_Chart_Weeks');
  const requiredWeeks = ctx.policy.integer('Expansion_Consecutive_Weeks');
  const maxRows = Math.max(chartWeeks + requiredWeeks, HISTORY_WEEKS);
  const snapshots = await queryRows(
    ctx.store,
    `SELECT "ISO_Week__c", "Week_Start__c", "Tickets_Total__c", "AI_Resolved__c" FROM "Usage_Snapshot__c"
     WHERE "Account__c" = $id ORDER BY "Week_Start__c" DESC NULLS LAST, "ISO_Week__c" DESC LIMIT ${maxRows}`,
    { id: accountId }
  );
  const streak = evaluateStreak(
    snapshots.map((s) => ({
      ISO_Week__c: str(s.ISO_Week__c) ?? '',
      Week_Start__c: day(s.Week_Start__c) ?? '',
      Tickets_Total__c: num(s.Tickets_Total__c) ?? 0,
      AI_Resolved__c: num(s.AI_Resolved__c) ?? 0
    })),
    ctx.policy,
    ctx.today
  );
  const triggers = await withFollowUpTasks(
    ctx,
    (
      await queryRows(
        ctx.store,
        `SELECT t.*, u."Name" AS "__decidedByName", o."Name" AS "__opportunityName"
       FROM "Expansion_Trigger__c" t
       LEFT JOIN "User" u ON u."Id" = t."Decided_By__c"
       LEFT JOIN "Opportunity" o ON o."Id" = t."Expansion_Opportunity__c"
       WHERE t."Account__c" = $id
       ORDER BY t."Fired_Week_Start__c" DESC NULLS LAST, t."Fired_Week__c" DESC NULLS LAST, t."Id" DESC
       LIMIT ${TRIGGER_LIMIT}`,
        { id: accountId }
      )
    ).map(triggerView)
  );
  const options = await openOpportunitiesByAccount(ctx, [accountId]);
  return {
    accountId: String(account.Id),
    accountName: str(account.Name) ?? '',
    usageKey: str(account.Usage_Account_Key__c),
    mode: ctx.policy.text('Expansion_Mode'),
    shareThreshold: ctx.policy.decimal('Expansion_Share_Threshold'),
    minWeeklyTickets: ctx.policy.integer('Expansion_Min_Weekly_Tickets'),
    requiredWeeks,
    cooldownWeeks: ctx.policy.integer('Expansion_Cooldown_Weeks'),
    // the latest chart weeks with tickets, oldest first
    weeks: streak.weeks.filter((w) => w.ticketsTotal > 0).slice(-chartWeeks),
    streak: {
      length: streak.length,
      startWeek: streak.startWeek,
      endWeek: streak.endWeek,
      required: streak.required,
      ...shortfall(ctx, streak),
      ...cooldown(ctx, triggers[0])
    },
    latestTrigger: triggers[0] ?? null,
    triggers,
    playbook: ctx.policy.text('Expansion_Playbook'),
    openOpportunities: options.get(accountId) ?? []
  };
}

/** The trigger (with its account's name and owner), still undecided; a ControllerError otherwise. */
export async function undecidedTrigger(ctx: ControllerContext, triggerId: string): Promise<Row> {
  const t = await queryOne(
    ctx.store,
    `SELECT t.*, a."Name" AS "__accountName", a."OwnerId" AS "__accountOwner"
     FROM "Expansion_Trigger__c" t LEFT JOIN "Account" a ON a."Id" = t."Account__c" WHERE t."Id" = $id`,
    { id: triggerId }
  );
  if (!t) throw new ControllerError('The expansion trigger was not found, or you do not have access to it.');
  const status = str(t.Status__c);
  if (!UNDECIDED.includes(status ?? '')) {
    throw new ControllerError(
      `The expansion trigger ${labelOf(t)} is already ${status ?? 'without a status'}; ` +
        'only Shadow or Open triggers can be decided.'
    );
  }
  return t;
}

/** The org's Datetime.now() on the workbench's today: today's date with the current time of day (UTC). */
export function decidedAt(ctx: ControllerContext): string {
  return `${ctx.today} ${new Date().toISOString().slice(11, 19)}`;
}

/**
 * Accepts a trigger: links an opportunity of the trigger's account, or (without one) creates the account owner's
 * follow-up Task with the playbook unless live mode already made one.
 */
export async function acceptTrigger(
  ctx: ControllerContext,
  p: PanelParams<'GtmExpansionTriggerController.acceptTrigger'>
): Promise<ExpansionView> {
  const t = await undecidedTrigger(ctx, p.triggerId);
  const accountId = String(t.Account__c);
  const user = await workbenchUserId(ctx.store);
  const decision: Record<string, string | null> = {
    Status__c: ACCEPTED,
    Decided_Date__c: decidedAt(ctx),
    Decided_By__c: user
  };
  if (p.opportunityId !== null) {
    const opp = await queryOne(ctx.store, 'SELECT "Id", "Name", "AccountId" FROM "Opportunity" WHERE "Id" = $id', {
      id: p.opportunityId
    });
    if (!opp) throw new ControllerError('The opportunity was not found, or you do not have access to it.');
    if (str(opp.AccountId) !== accountId) {
      throw new ControllerError(
        `The opportunity "${str(opp.Name) ?? ''}" belongs to another account: link an expansion opportunity of ` +
          `${str(t.__accountName) ?? 'this account'}, or accept without one to create a follow-up Task.`
      );
    }
    decision.Expansion_Opportunity__c = String(opp.Id);
  }
  await inTransaction(ctx.store, async () => {
    if (p.opportunityId === null && str(t.Follow_Up_Task_Id__c) === null) {
      decision.Follow_Up_Task_Id__c = await insertRecord(ctx.store, 'Task', {
        Subject: `Expansion signal ${labelOf(t)}: AI resolution share ${percentOf(num(t.AI_Resolution_Share__c))} (${
          int(t.Tickets_Total__c) ?? '?'
        } tickets)`,
        WhatId: accountId,
        OwnerId: str(t.__accountOwner) ?? user,
        ActivityDate: addDays(ctx.today, ctx.policy.integer('Expansion_Task_Due_Days')),
        Description: `${ctx.policy.text('Expansion_Playbook')}\n\nEvidence: ${evidenceSummary(str(t.Evidence__c))}`,
        Status: 'Not Started'
      });
    }
    await updateRecord(ctx.store, 'Expansion_Trigger__c', String(t.Id), decision);
  });
  return getExpansionView(ctx, accountId);
}

/** Dismisses a trigger with the reason (how exp-005 counts false positives). */
export async function dismissTrigger(
  ctx: ControllerContext,
  p: PanelParams<'GtmExpansionTriggerController.dismissTrigger'>
): Promise<ExpansionView> {
  const reason = (p.reason ?? '').trim();
  if (reason === '') {
    throw new ControllerError(
      'Give a reason to dismiss the expansion trigger: dismissals and their reasons are how exp-005 counts false positives.'
    );
  }
  const max = ctx.store.schema.field('Expansion_Trigger__c', 'Decision_Reason__c').length ?? 255;
  if (reason.length > max) {
    throw new ControllerError(`The reason is ${reason.length} characters long; shorten it to ${max} at most.`);
  }
  const t = await undecidedTrigger(ctx, p.triggerId);
  await updateRecord(ctx.store, 'Expansion_Trigger__c', String(t.Id), {
    Status__c: DISMISSED,
    Decision_Reason__c: reason,
    Decided_Date__c: decidedAt(ctx),
    Decided_By__c: await workbenchUserId(ctx.store)
  });
  return getExpansionView(ctx, String(t.Account__c));
}
