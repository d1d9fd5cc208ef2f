/**
 * GtmSecurityPacketController over the embedded store (exp-002): the opportunity's security packet, whether its
 * collateral is current through close, the review cycle against the target, and the three review steps the panel
 * records (packet sent, review completed, review blocked).
 */
import type { PanelParams, PanelResult } from '../../contracts/panelContracts';
import { judgeCollateral } from '../../rules/collateralRule';
import { judgeReviewCycle } from '../../rules/reviewCycleRule';
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
  const dates = packet
    ? {
        Requested_Date__c: day(packet.Requested_Date__c),
        Packet_Sent_Date__c: day(packet.Packet_Sent_Date__c),
        Review_Started_Date__c: day(packet.Review_Started_Date__c),
        Completed_Date__c: day(packet.Completed_Date__c),
        Blocked_Date__c: day(packet.Blocked_Date__c),
        Review_Stage__c: str(packet.Review_Stage__c)
      }
    : null;
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
    collateralCurrent: collateral.current,
    collateral: collateral.items.map((item) => ({
      type: item.type,
      status: item.status,
      version: item.version,
      validUntil: item.validUntil,
      documentUrl: documentUrlOf(rows, item)
    })),
    cycle: judgeReviewCycle(dates, ctx.policy, ctx.today),
    canEdit: true
  };
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

async function requirePacket(ctx: ControllerContext, opportunityId: string): Promise<Row> {
  await findOpportunity(ctx, opportunityId);
  const packet = await latestPacket(ctx, opportunityId);
  if (!packet) {
    throw new ControllerError('This opportunity has no security packet yet: mark the packet sent first');
  }
  return packet;
}

function refuseCompleted(packet: Row): void {
  const completed = day(packet.Completed_Date__c);
  if (completed !== null) throw new ControllerError(`The security review is already completed (${completed})`);
}

/** The packet went to the customer today: creates the packet (requested today) when the opportunity has none. */
export async function markPacketSent(ctx: ControllerContext, opportunityId: string): Promise<PacketView> {
  const opp = await findOpportunity(ctx, opportunityId);
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
    refuseCompleted(packet);
    // dates already recorded stay as they are: the cycle is measured from the first request
    await updateRecord(ctx.store, 'Security_Packet__c', String(packet.Id), {
      Requested_Date__c: day(packet.Requested_Date__c) ?? ctx.today,
      Packet_Sent_Date__c: day(packet.Packet_Sent_Date__c) ?? ctx.today,
      Review_Stage__c: STAGE_PACKET_SENT
    });
  });
  return getPacketStatus(ctx, opp.id);
}

export async function recordReviewCompleted(ctx: ControllerContext, opportunityId: string): Promise<PacketView> {
  const packet = await requirePacket(ctx, opportunityId);
  // completing twice would move the completion date and falsify the measured cycle time
  refuseCompleted(packet);
  await updateRecord(ctx.store, 'Security_Packet__c', String(packet.Id), {
    Completed_Date__c: ctx.today,
    Review_Stage__c: STAGE_COMPLETED
  });
  return getPacketStatus(ctx, opportunityId);
}

export async function recordReviewBlocked(
  ctx: ControllerContext,
  p: PanelParams<'GtmSecurityPacketController.recordReviewBlocked'>
): Promise<PacketView> {
  const reason = (p.reason ?? '').trim();
  if (reason === '') throw new ControllerError('Say why the security review is blocked');
  const max = ctx.store.schema.field('Security_Packet__c', 'Blocked_Reason__c').length ?? 255;
  const packet = await requirePacket(ctx, p.opportunityId);
  refuseCompleted(packet);
  await updateRecord(ctx.store, 'Security_Packet__c', String(packet.Id), {
    Blocked_Date__c: ctx.today,
    Blocked_Reason__c: abbreviate(reason, max),
    Review_Stage__c: STAGE_BLOCKED
  });
  return getPacketStatus(ctx, p.opportunityId);
}
