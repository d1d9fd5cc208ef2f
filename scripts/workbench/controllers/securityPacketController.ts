/**
 * GtmSecurityPacketController over the embedded store (exp-002): the opportunity's security packet, whether its
 * collateral is current through close, the review cycle against the target, and the review steps the panel records
 * (packet sent, review completed, review blocked). Each stage allows only its next steps (the review-cycle rule's
 * actions): sending again from In Review, On Hold or Blocked moves the review back, needs a reason and leaves a dated
 * line in Review_Stage_Log__c; completing needs the NDA and current collateral, or an exception with a reason that
 * the cycle-time readout leaves out.
 */
import type { PanelParams, PanelResult } from '../../contracts/panelContracts';
import { judgeCollateral, type CollateralItemResult } from '../../rules/collateralRule';
import { judgeReviewCycle, reviewActions, type PacketDates, type ReviewAction } from '../../rules/reviewCycleRule';
import { isEnterpriseSegment } from '../../rules/stageGateRule';
import { ControllerError } from '../controllerPort';
import { collateralRecords, day, findOpportunity, relevantCollateral, str, type ControllerContext } from './context';
import {
  abbreviate,
  inTransaction,
  insertRecord,
  nextAutoNumber,
  queryOne,
  updateRecord,
  WORKBENCH_USER_NAME,
  type Row
} from './storeAccess';

type PacketView = PanelResult<'GtmSecurityPacketController.getPacketStatus'>;

export const STAGE_PACKET_SENT = 'Packet Sent';
export const STAGE_COMPLETED = 'Completed';
export const STAGE_BLOCKED = 'Blocked';

async function latestPacket(ctx: ControllerContext, opportunityId: string): Promise<Row | null> {
  return queryOne(
    ctx.store,
    'SELECT * FROM "Security_Packet__c" WHERE "Opportunity__c" = $opp ORDER BY "Id" DESC LIMIT 1',
    { opp: opportunityId }
  );
}

export async function getPacketStatus(ctx: ControllerContext, opportunityId: string): Promise<PacketView> {
  const opp = await findOpportunity(ctx, opportunityId);
  const account = opp.accountId
    ? await queryOne(ctx.store, 'SELECT "GTM_Segment__c" FROM "Account" WHERE "Id" = $id', { id: opp.accountId })
    : null;
  const segment = account ? str(account.GTM_Segment__c) : null;
  const packet = await latestPacket(ctx, opp.id);
  const rows = await relevantCollateral(ctx, opp.id);
  const collateral = judgeCollateral(
    { closeDate: opp.closeDate, items: collateralRecords(rows) },
    ctx.policy,
    ctx.today
  );
  const dates = packetDates(packet);
  return {
    opportunityId: opp.id,
    opportunityName: opp.name,
    closeDate: opp.closeDate,
    segment,
    enterprise: isEnterpriseSegment(segment, ctx.policy),
    packetId: packet ? String(packet.Id) : null,
    reviewStage: dates?.Review_Stage__c ?? null,
    ndaSigned: packet?.NDA_Signed__c === true,
    requestedDate: dates?.Requested_Date__c ?? null,
    packetSentDate: dates?.Packet_Sent_Date__c ?? null,
    reviewStartedDate: dates?.Review_Started_Date__c ?? null,
    completedDate: dates?.Completed_Date__c ?? null,
    blockedDate: dates?.Blocked_Date__c ?? null,
    blockedReason: packet ? str(packet.Blocked_Reason__c) : null,
    completionExceptionReason: packet ? str(packet.Completion_Exception_Reason__c) : null,
    stageLog: packet ? str(packet.Review_Stage_Log__c) : null,
    reasonMaxLength: reasonMaxLength(ctx),
    pastProposalGate: isPastProposalGate(ctx, opp.stageName),
    collateralCurrent: collateral.current,
    collateral: collateral.items.map((item) => ({
      type: item.type,
      status: item.status,
      version: item.version,
      validUntil: item.validUntil,
      documentUrl: documentUrlOf(rows, item),
      // the store keeps no collateral owners: the panel names Security, who publishes the library
      renewedBy: null
    })),
    cycle: judgeReviewCycle(dates, ctx.policy, ctx.today),
    canEdit: true
  };
}

function packetDates(packet: Row | null): PacketDates | null {
  return packet
    ? {
        Requested_Date__c: day(packet.Requested_Date__c),
        Packet_Sent_Date__c: day(packet.Packet_Sent_Date__c),
        Review_Started_Date__c: day(packet.Review_Started_Date__c),
        Completed_Date__c: day(packet.Completed_Date__c),
        Blocked_Date__c: day(packet.Blocked_Date__c),
        Review_Stage__c: str(packet.Review_Stage__c),
        Completion_Exception__c: packet.Completion_Exception__c === true
      }
    : null;
}

/** The deal has passed the proposal gate: its stage is policy Stage_Proposal or Stage_Production_Approval. */
export function isPastProposalGate(ctx: ControllerContext, stageName: string | null): boolean {
  return stageName === ctx.policy.text('Stage_Proposal') || stageName === ctx.policy.text('Stage_Production_Approval');
}

/** The longest reason the packet keeps: Blocked_Reason__c's length (a TextArea holds 255). */
function reasonMaxLength(ctx: ControllerContext): number {
  return ctx.store.schema.field('Security_Packet__c', 'Blocked_Reason__c').length ?? 255;
}

/** Appends a line to Review_Stage_Log__c within its length: the oldest lines go first; a line too long is cut. */
export function appendLog(log: string | null, line: string, max: number): string {
  if (line.length >= max) return abbreviate(line, max);
  let kept = log ?? '';
  if (kept === '') return line;
  while (kept.length + 1 + line.length > max) {
    const newline = kept.indexOf('\n');
    if (newline < 0) return line;
    kept = kept.slice(newline + 1);
  }
  return `${kept}\n${line}`;
}

async function writeLog(ctx: ControllerContext, packet: Row, line: string): Promise<string> {
  const max = ctx.store.schema.field('Security_Packet__c', 'Review_Stage_Log__c').length ?? 32768;
  return appendLog(str(packet.Review_Stage_Log__c), `${ctx.today} ${WORKBENCH_USER_NAME}: ${line}`, max);
}

/** Why a step the stage does not allow is refused, in words. */
function refuseStep(packet: Row | null, step: ReviewAction): never {
  const completed = packet ? day(packet.Completed_Date__c) : null;
  if (completed !== null) throw new ControllerError(`The security review is already completed (${completed})`);
  if (!packet) throw new ControllerError('This opportunity has no security packet yet: mark the packet sent first');
  const stage = str(packet.Review_Stage__c) ?? 'Not Started';
  if (step === 'send' || step === 'resend') {
    const sent = day(packet.Packet_Sent_Date__c);
    throw new ControllerError(
      `The packet was already sent${sent ? ` (${sent})` : ''}; the review is at ${stage}: record it completed or blocked`
    );
  }
  if (step === 'block' && stage === STAGE_BLOCKED) {
    const since = day(packet.Blocked_Date__c);
    throw new ControllerError(`The security review is already blocked${since ? ` (since ${since})` : ''}`);
  }
  throw new ControllerError(`The review is at ${stage}: mark the packet sent first`);
}

/** What keeps a review from completing: the NDA and each required item that is not current through close. */
export function completionGaps(ndaSigned: boolean, items: CollateralItemResult[]): string[] {
  const gaps = ndaSigned ? [] : ['NDA not signed'];
  for (const item of items) {
    if (item.status === 'missing') gaps.push(`${item.type} missing`);
    else if (item.status === 'expired') gaps.push(`${item.type} expired ${item.validUntil}`);
    else if (item.status === 'expires_before_close') gaps.push(`${item.type} expires ${item.validUntil}, before close`);
  }
  return gaps;
}

/** The document URL of the record the collateral rule chose for a type (same type, version and end date). */
function documentUrlOf(
  rows: Row[],
  item: { type: string; status: string; version: string | null; validUntil: string | null }
) {
  if (item.status === 'missing') return null;
  const match = rows.find(
    (r) =>
      str(r.Collateral_Type__c) === item.type &&
      str(r.Version__c) === item.version &&
      day(r.Valid_Until__c) === item.validUntil
  );
  return match ? str(match.Document_URL__c) : null;
}

async function requirePacket(ctx: ControllerContext, opportunityId: string, step: ReviewAction): Promise<Row> {
  await findOpportunity(ctx, opportunityId);
  const packet = await latestPacket(ctx, opportunityId);
  if (!packet || !reviewActions(packetDates(packet)).includes(step)) refuseStep(packet, step);
  return packet;
}

/**
 * The packet went to the customer today: creates the packet (requested today) when the opportunity has none. From In
 * Review, On Hold or Blocked this sends it again, a step back: it needs a reason, clears the review start and the
 * block (the review is back with the customer as Packet Sent) and logs what it replaced.
 */
export async function markPacketSent(
  ctx: ControllerContext,
  p: PanelParams<'GtmSecurityPacketController.markPacketSent'>
): Promise<PacketView> {
  const opp = await findOpportunity(ctx, p.opportunityId);
  const reason = (p.reason ?? '').trim();
  await inTransaction(ctx.store, async () => {
    const packet = await latestPacket(ctx, opp.id);
    if (!packet) {
      await insertRecord(ctx.store, 'Security_Packet__c', {
        Name: await nextAutoNumber(ctx.store, 'Security_Packet__c', 'SP-'),
        Opportunity__c: opp.id,
        Requested_Date__c: ctx.today,
        Packet_Sent_Date__c: ctx.today,
        Review_Stage__c: STAGE_PACKET_SENT,
        NDA_Signed__c: false
      });
      return;
    }
    const actions = reviewActions(packetDates(packet));
    if (actions.includes('send')) {
      // dates already recorded stay as they are: the cycle is measured from the first request
      await updateRecord(ctx.store, 'Security_Packet__c', String(packet.Id), {
        Requested_Date__c: day(packet.Requested_Date__c) ?? ctx.today,
        Packet_Sent_Date__c: day(packet.Packet_Sent_Date__c) ?? ctx.today,
        Review_Stage__c: STAGE_PACKET_SENT
      });
      return;
    }
    if (!actions.includes('resend')) refuseStep(packet, 'resend');
    const from = str(packet.Review_Stage__c) ?? 'Not Started';
    if (reason === '') {
      throw new ControllerError(
        `Sending the packet again moves the review back from ${from} to ${STAGE_PACKET_SENT}: say why`
      );
    }
    const replaced: string[] = [];
    const started = day(packet.Review_Started_Date__c);
    if (started) replaced.push(`review started ${started}`);
    if (from === STAGE_BLOCKED) {
      const since = day(packet.Blocked_Date__c);
      replaced.push(
        `blocked${since ? ` since ${since}` : ''}: ${str(packet.Blocked_Reason__c) ?? 'no reason recorded'}`
      );
    }
    const line = `${from} -> ${STAGE_PACKET_SENT} (packet sent again): ${reason}${replaced.length ? ` [was: ${replaced.join('; ')}]` : ''}`;
    await updateRecord(ctx.store, 'Security_Packet__c', String(packet.Id), {
      Review_Stage__c: STAGE_PACKET_SENT,
      Review_Started_Date__c: null,
      Blocked_Date__c: null,
      Blocked_Reason__c: null,
      Review_Stage_Log__c: await writeLog(ctx, packet, line)
    });
  });
  return getPacketStatus(ctx, opp.id);
}

/**
 * The customer's review completed today. With the NDA unsigned or collateral not current through close it completes
 * only by an exception with a reason: flagged on the packet (Completion_Exception__c), logged, and left out of the
 * cycle-time readout.
 */
export async function recordReviewCompleted(
  ctx: ControllerContext,
  p: PanelParams<'GtmSecurityPacketController.recordReviewCompleted'>
): Promise<PacketView> {
  // completing twice would move the completion date and falsify the measured cycle time
  const packet = await requirePacket(ctx, p.opportunityId, 'complete');
  const opp = await findOpportunity(ctx, p.opportunityId);
  const rows = await relevantCollateral(ctx, opp.id);
  const collateral = judgeCollateral(
    { closeDate: opp.closeDate, items: collateralRecords(rows) },
    ctx.policy,
    ctx.today
  );
  const gaps = completionGaps(packet.NDA_Signed__c === true, collateral.items);
  const values: Record<string, string | boolean | null> = {
    Completed_Date__c: ctx.today,
    Review_Stage__c: STAGE_COMPLETED,
    Completion_Exception__c: false,
    Completion_Exception_Reason__c: null
  };
  if (gaps.length > 0) {
    const reason = (p.exceptionReason ?? '').trim();
    if (reason === '') {
      throw new ControllerError(
        `The review cannot be recorded completed: ${gaps.join('; ')}. Sign the NDA and renew the collateral, or record an exception with a reason.`
      );
    }
    const kept = abbreviate(reason, reasonMaxLength(ctx));
    values.Completion_Exception__c = true;
    values.Completion_Exception_Reason__c = kept;
    values.Review_Stage_Log__c = await writeLog(ctx, packet, `completed by exception (${gaps.join('; ')}): ${kept}`);
  }
  await updateRecord(ctx.store, 'Security_Packet__c', String(packet.Id), values);
  return getPacketStatus(ctx, p.opportunityId);
}

export async function recordReviewBlocked(
  ctx: ControllerContext,
  p: PanelParams<'GtmSecurityPacketController.recordReviewBlocked'>
): Promise<PacketView> {
  const reason = (p.reason ?? '').trim();
  if (reason === '') throw new ControllerError('Say why the security review is blocked');
  const packet = await requirePacket(ctx, p.opportunityId, 'block');
  await updateRecord(ctx.store, 'Security_Packet__c', String(packet.Id), {
    Blocked_Date__c: ctx.today,
    Blocked_Reason__c: abbreviate(reason, reasonMaxLength(ctx)),
    Review_Stage__c: STAGE_BLOCKED
  });
  return getPacketStatus(ctx, p.opportunityId);
}
