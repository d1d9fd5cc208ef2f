/**
 * GtmPilotScorecardController.requestBlockerAction over the embedded store (issue 13): a blocker's request step,
 * recorded as the org records it (GtmBlockerActionService):
 * - request_collateral_renewal: a Task to renew (or publish) the collateral type, for its owner (the store keeps
 *   none: the running user, who passes it on to Security), due today;
 * - request_hallucination_audit: a Task to run a hallucination audit of the deal, for the latest gate record's
 *   owner (the store keeps none: the running user), due today;
 * - start_security_review: the deal's security packet opened (Not Started, requested today), so Security sends it.
 * Only a step the deal's current blockers offer is taken: anything else is refused in words. Asking again while the
 * Task is open adds nothing and says so.
 */
import type { PanelParams, PanelResult } from '../../contracts/panelContracts';
import { ControllerError } from '../controllerPort';
import { findOpportunity, type ControllerContext } from './context';
import { getScorecard } from './scorecardController';
import { dateText } from './panelFormat';
import { day, inTransaction, insertRecord, nextAutoNumber, queryOne, workbenchUserId } from './storeAccess';

type Params = PanelParams<'GtmPilotScorecardController.requestBlockerAction'>;
type Result = PanelResult<'GtmPilotScorecardController.requestBlockerAction'>;

const TASK_STATUS = 'Not Started';
/** Task.Status of a Task that is done (the org reads Task.IsClosed) */
const TASK_DONE = 'Completed';
const PACKET_STAGE_NOT_STARTED = 'Not Started';

export async function requestBlockerAction(ctx: ControllerContext, p: Params): Promise<Result> {
  const opp = await findOpportunity(ctx, p.opportunityId);
  const before = await getScorecard(ctx, opp.id);
  const target = p.target ?? null;
  const offered = before.readiness.blockers.find((b) => b.next.kind === p.kind && (b.next.target ?? null) === target);
  if (!offered || p.kind === 'none' || p.kind === 'open_criterion' || p.kind === 'apply_template') {
    throw new ControllerError(
      `Nothing blocking ${opp.name} asks for "${p.kind}"${target ? ` on ${target}` : ''}: reload the page`
    );
  }
  const user = await workbenchUserId(ctx.store);
  const subject =
    p.kind === 'request_collateral_renewal'
      ? `${offered.code === 'collateral_missing' ? 'Publish' : 'Renew'} ${target} for ${opp.name}`
      : `Run a hallucination audit for ${opp.name}`;
  let message: string;
  let taskId: string | null = null;
  let packetId: string | null = null;
  /** the due date of an open Task that already asks it */
  let already: string | null | undefined;
  await inTransaction(ctx.store, async () => {
    if (p.kind === 'start_security_review') {
      packetId = await insertRecord(ctx.store, 'Security_Packet__c', {
        Name: await nextAutoNumber(ctx.store, 'Security_Packet__c', 'SP-'),
        Opportunity__c: opp.id,
        Requested_Date__c: ctx.today,
        Review_Stage__c: PACKET_STAGE_NOT_STARTED,
        NDA_Signed__c: false
      });
      return;
    }
    // asking twice adds nothing: the open Task already asks it
    const open = await queryOne(
      ctx.store,
      `SELECT "Id", "ActivityDate" FROM "Task" WHERE "WhatId" = $opp AND "Subject" = $subject
         AND coalesce("Status", '') <> $done ORDER BY "Id" LIMIT 1`,
      { opp: opp.id, subject, done: TASK_DONE }
    );
    if (open) {
      taskId = String(open.Id);
      already = day(open.ActivityDate);
      return;
    }
    taskId = await insertRecord(ctx.store, 'Task', {
      Subject: subject,
      WhatId: opp.id,
      OwnerId: user,
      ActivityDate: ctx.today,
      Description: `${offered.message} (asked from the Pilot Scorecard panel)`,
      Status: TASK_STATUS
    });
  });
  if (p.kind === 'start_security_review') {
    message = `Security review requested for ${opp.name}: Security sends the packet`;
  } else if (already !== undefined) {
    message = `Already asked: Task "${subject}"${already ? ` due ${dateText(already)}` : ''} is still open`;
  } else {
    // mid-sentence, 'The hallucination audit team' reads 'the hallucination audit team' (as GtmBlockerActionService)
    const whom = offered.whoActs.label.replace(/^The /, 'the ');
    message = `Asked ${whom}: Task "${subject}" due ${dateText(ctx.today)}`;
  }
  return { message, taskId, packetId, scorecard: await getScorecard(ctx, opp.id) };
}
