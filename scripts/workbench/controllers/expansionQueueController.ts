/**
 * GtmExpansionQueueController over the embedded store (exp-005): the CS Ops trigger queue. Every undecided (Shadow or
 * Open) trigger across accounts with its account, owner, age and the account's open opportunities; decisions go
 * through the Account panel's own accept and dismiss (the same rule the org's GtmExpansionService.decide applies), and
 * a snooze sets Snoozed_Until__c. Mirrors GtmExpansionService.getQueue and snooze.
 */
import type { PanelParams, PanelResult } from '../../contracts/panelContracts';
import { daysBetween } from '../../rules/ruleSupport';
import { ControllerError } from '../controllerPort';
import { day, num, str, type ControllerContext } from './context';
import {
  acceptTrigger,
  dismissTrigger,
  openOpportunitiesByAccount,
  UNDECIDED,
  undecidedTrigger
} from './expansionController';
import { queryRows, updateRecord } from './storeAccess';

type TriggerQueueView = PanelResult<'GtmExpansionQueueController.getTriggerQueue'>;

/** Triggers the queue reads at most (the org's QUEUE_ROWS): a bound on rows, not a threshold. */
const QUEUE_ROWS = 2000;

export async function getTriggerQueue(ctx: ControllerContext): Promise<TriggerQueueView> {
  const rows = await queryRows(
    ctx.store,
    `SELECT t."Id", t."Account__c", t."Status__c", t."Mode__c", t."Fired_Week__c", t."Fired_Week_Start__c",
            t."AI_Resolution_Share__c", t."Tickets_Total__c", t."Follow_Up_Task_Id__c", t."Snoozed_Until__c",
            a."Name" AS "__accountName", u."Name" AS "__ownerName"
     FROM "Expansion_Trigger__c" t
     LEFT JOIN "Account" a ON a."Id" = t."Account__c"
     LEFT JOIN "User" u ON u."Id" = a."OwnerId"
     WHERE list_contains($statuses::VARCHAR[], t."Status__c")
     ORDER BY t."Fired_Week_Start__c" ASC NULLS LAST, t."Fired_Week__c" ASC NULLS LAST, t."Id" ASC
     LIMIT ${QUEUE_ROWS}`,
    { statuses: JSON.stringify(UNDECIDED) }
  );
  const options = await openOpportunitiesByAccount(ctx, [...new Set(rows.map((r) => String(r.Account__c)))]);
  return {
    today: ctx.today,
    playbook: ctx.policy.text('Expansion_Playbook'),
    rows: rows.map((r) => {
      const weekStart = day(r.Fired_Week_Start__c);
      const snoozedUntil = day(r.Snoozed_Until__c);
      const tickets = num(r.Tickets_Total__c);
      return {
        id: String(r.Id),
        accountId: String(r.Account__c),
        accountName: str(r.__accountName) ?? '',
        ownerName: str(r.__ownerName),
        isoWeek: str(r.Fired_Week__c) ?? '',
        weekStart,
        status: str(r.Status__c) ?? '',
        mode: str(r.Mode__c),
        share: num(r.AI_Resolution_Share__c),
        ticketsTotal: tickets === null ? null : Math.trunc(tickets),
        ageDays: weekStart === null ? null : daysBetween(weekStart, ctx.today),
        snoozedUntil,
        snoozed: snoozedUntil !== null && snoozedUntil > ctx.today,
        followUpTaskId: str(r.Follow_Up_Task_Id__c),
        opportunities: options.get(String(r.Account__c)) ?? [],
        canDecide: true
      };
    })
  };
}

export async function acceptQueuedTrigger(
  ctx: ControllerContext,
  p: PanelParams<'GtmExpansionQueueController.acceptQueuedTrigger'>
): Promise<TriggerQueueView> {
  await acceptTrigger(ctx, p);
  return getTriggerQueue(ctx);
}

export async function dismissQueuedTrigger(
  ctx: ControllerContext,
  p: PanelParams<'GtmExpansionQueueController.dismissQueuedTrigger'>
): Promise<TriggerQueueView> {
  await dismissTrigger(ctx, p);
  return getTriggerQueue(ctx);
}

export async function snoozeTrigger(
  ctx: ControllerContext,
  p: PanelParams<'GtmExpansionQueueController.snoozeTrigger'>
): Promise<TriggerQueueView> {
  const t = await undecidedTrigger(ctx, p.triggerId);
  if (p.snoozedUntil <= ctx.today) {
    throw new ControllerError('Choose a day after today to snooze the expansion trigger until.');
  }
  await updateRecord(ctx.store, 'Expansion_Trigger__c', String(t.Id), { Snoozed_Until__c: p.snoozedUntil });
  return getTriggerQueue(ctx);
}
