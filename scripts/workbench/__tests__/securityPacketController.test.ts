/**
 * The workbench's GtmSecurityPacketController over a sample world (issue 13, defects 5, 6, 8, 14): each review stage
 * allows only its next steps, a step back needs a reason and is logged on the packet, a review completes only with
 * the NDA and current collateral or by a recorded exception the cycle-time readout leaves out, and the view says
 * which deals are past the proposal gate and how long a reason may be.
 */
import { type PanelMethodName, type PanelParams, type PanelResult } from '../../contracts/panelContracts';
import { LocalStore } from '../../store/localStore';
import { type PanelControllers } from '../controllerPort';
import { createStoreData } from '../controllers';
import { appendLog, completionGaps } from '../controllers/securityPacketController';
import { queryOne, updateRecord, WORKBENCH_USER_NAME } from '../controllers/storeAccess';
import { type SampleWorld } from '../sampleWorld';

import { closeSampleWorld, contractCall, openSampleWorld, refusalOf, type OpenWorld } from './standInWorld';

jest.setTimeout(120_000);

let opened: OpenWorld | undefined;
let world: SampleWorld;
let store: LocalStore;
let controllers: PanelControllers;

beforeAll(async () => {
  opened = await openSampleWorld('gtm-packet-');
  ({ world, store, controllers } = opened);
});

afterAll(async () => {
  await closeSampleWorld(opened ?? {});
});

const call = <M extends PanelMethodName>(method: M, params: PanelParams<M>): Promise<PanelResult<M>> =>
  contractCall(controllers, method, params);

const refused = refusalOf;

async function opportunity(prefix: string): Promise<string> {
  const o = (await createStoreData(store).listOpportunities()).find((x) => x.name.startsWith(prefix));
  if (!o) throw new Error(`no opportunity ${prefix}`);
  return o.id;
}

const view = (opportunityId: string) => call('GtmSecurityPacketController.getPacketStatus', { opportunityId });
const storedPacket = async (packetId: string) =>
  queryOne(store, 'SELECT * FROM "Security_Packet__c" WHERE "Id" = $id', { id: packetId });

describe('each review stage offers only its next steps (defect 5)', () => {
  it('the view lists the steps of each stage', async () => {
    expect((await view(await opportunity('Ember Imports'))).cycle.actions).toEqual(['send']);
    expect((await view(await opportunity('Orbitel Mobility'))).cycle.actions).toEqual(['complete', 'block']);
    expect((await view(await opportunity('Bluefin Properties'))).cycle.actions).toEqual([
      'resend',
      'complete',
      'block'
    ]);
    expect((await view(await opportunity('Keystone Energy'))).cycle.actions).toEqual(['resend', 'complete']);
    expect((await view(await opportunity('Northwind Logistics'))).cycle.actions).toEqual([]);
  });

  it('marking a packet sent again at Packet Sent is refused and changes nothing', async () => {
    const opportunityId = await opportunity('Orbitel Mobility');
    const before = await view(opportunityId);
    expect(before.reviewStage).toBe('Packet Sent');
    expect(await refused(call('GtmSecurityPacketController.markPacketSent', { opportunityId }))).toBe(
      `The packet was already sent (${before.packetSentDate}); the review is at Packet Sent: record it completed or blocked`
    );
    expect(await view(opportunityId)).toEqual(before);
  });

  it('In Review -> Packet Sent needs a reason, clears the review start (the stage table agrees) and is logged', async () => {
    const opportunityId = await opportunity('Bluefin Properties');
    const before = await view(opportunityId);
    expect(before.reviewStage).toBe('In Review');
    const message = await refused(call('GtmSecurityPacketController.markPacketSent', { opportunityId, reason: '  ' }));
    expect(message).toBe('Sending the packet again moves the review back from In Review to Packet Sent: say why');
    expect((await view(opportunityId)).reviewStage).toBe('In Review');

    const after = await call('GtmSecurityPacketController.markPacketSent', {
      opportunityId,
      reason: 'Customer lost the first packet'
    });
    expect(after).toMatchObject({
      reviewStage: 'Packet Sent',
      requestedDate: before.requestedDate,
      packetSentDate: before.packetSentDate,
      reviewStartedDate: null
    });
    // the stage table ends in the stage the badge shows
    expect(after.cycle.stages.map((s) => [s.stage, s.endDate])).toEqual([
      ['Requested', before.packetSentDate],
      ['Packet Sent', null]
    ]);
    expect(after.stageLog).toBe(
      `${world.today} ${WORKBENCH_USER_NAME}: In Review -> Packet Sent (packet sent again): Customer lost the first packet [was: review started ${before.reviewStartedDate}]`
    );
    expect(after.cycle.actions).toEqual(['complete', 'block']);
  });

  it('a blocked review sent again keeps its block in the log instead of clearing it silently', async () => {
    const opportunityId = await opportunity('Keystone Energy');
    const before = await view(opportunityId);
    expect(before.reviewStage).toBe('Blocked');
    expect(
      await refused(call('GtmSecurityPacketController.recordReviewBlocked', { opportunityId, reason: 'again' }))
    ).toBe(`The security review is already blocked (since ${before.blockedDate})`);
    const after = await call('GtmSecurityPacketController.markPacketSent', {
      opportunityId,
      reason: 'ISO 27001 certificate added to the packet'
    });
    expect(after).toMatchObject({ reviewStage: 'Packet Sent', blockedDate: null, blockedReason: null });
    expect(after.cycle.state).toBe('in_progress');
    expect(after.stageLog).toContain(
      `Blocked -> Packet Sent (packet sent again): ISO 27001 certificate added to the packet [was: review started ${before.reviewStartedDate}; blocked since ${before.blockedDate}: ${before.blockedReason}]`
    );
  });

  it('the log keeps its oldest lines out first within the field length', () => {
    expect(appendLog(null, 'a', 10)).toBe('a');
    expect(appendLog('one\ntwo', 'three', 12)).toBe('two\nthree');
    expect(appendLog('one', 'x'.repeat(20), 10)).toBe('xxxxxxx...');
  });
});

describe('completing a review (defect 6)', () => {
  it('needs the NDA and current collateral, or an exception with a reason that the cycle time leaves out', async () => {
    const opportunityId = await opportunity('Crescent Retail Group');
    const before = await view(opportunityId);
    expect(before.ndaSigned).toBe(true);
    const expired = before.collateral.find((c) => c.status === 'expired')!;
    const message = await refused(call('GtmSecurityPacketController.recordReviewCompleted', { opportunityId }));
    expect(message).toBe(
      `The review cannot be recorded completed: ${expired.type} expired ${expired.validUntil}. Sign the NDA and renew the collateral, or record an exception with a reason.`
    );
    expect((await view(opportunityId)).completedDate).toBeNull();

    const done = await call('GtmSecurityPacketController.recordReviewCompleted', {
      opportunityId,
      exceptionReason: "  Security accepted last year's questionnaire until renewal  "
    });
    expect(done).toMatchObject({
      reviewStage: 'Completed',
      completedDate: world.today,
      completionExceptionReason: "Security accepted last year's questionnaire until renewal"
    });
    expect(done.cycle).toMatchObject({ state: 'completed', byException: true, onTarget: null, actions: [] });
    expect(done.stageLog).toContain(`completed by exception (${expired.type} expired ${expired.validUntil})`);
    const row = await storedPacket(done.packetId!);
    expect(row?.Completion_Exception__c).toBe(true);
  });

  it('with the NDA and current collateral it completes without an exception', async () => {
    const opportunityId = await opportunity('Orbitel Mobility');
    const before = await view(opportunityId);
    // sign the NDA and give the packet its questionnaire, as Security would
    await updateRecord(store, 'Security_Packet__c', before.packetId!, { NDA_Signed__c: true });
    const { insertRecord } = await import('../controllers/storeAccess');
    await insertRecord(store, 'Trust_Collateral__c', {
      Name: 'Security questionnaire - Orbitel (test)',
      Collateral_Key__c: 'questionnaire:orbitel-test',
      Collateral_Type__c: 'Security Questionnaire',
      Status__c: 'Published',
      Version__c: 'T1',
      Valid_Until__c: '2099-12-31',
      Security_Packet__c: before.packetId!
    });
    const done = await call('GtmSecurityPacketController.recordReviewCompleted', {
      opportunityId,
      exceptionReason: 'not needed'
    });
    expect(done.collateralCurrent).toBe(true);
    expect(done.cycle).toMatchObject({ state: 'completed', byException: false, onTarget: true });
    expect(done.completionExceptionReason).toBeNull();
    expect(done.stageLog).toBeNull();
  });

  it('names every gap', () => {
    expect(
      completionGaps(false, [
        { type: 'A', status: 'current', version: '1', validUntil: null },
        { type: 'B', status: 'missing', version: null, validUntil: null },
        { type: 'C', status: 'expired', version: '1', validUntil: '2026-01-01' },
        { type: 'D', status: 'expires_before_close', version: '1', validUntil: '2026-02-01' }
      ])
    ).toEqual(['NDA not signed', 'B missing', 'C expired 2026-01-01', 'D expires 2026-02-01, before close']);
  });
});

describe('what the panel needs to warn and escalate (defects 8, 14)', () => {
  it('deals at the proposal stage are past the proposal gate; a pilot is not', async () => {
    expect((await view(await opportunity('Crescent Retail Group'))).pastProposalGate).toBe(true);
    expect((await view(await opportunity('Orbitel Mobility'))).pastProposalGate).toBe(true);
    expect((await view(await opportunity('Halvorsen Telecom'))).pastProposalGate).toBe(false);
  });

  it('says how long a reason may be (the field length)', async () => {
    expect((await view(await opportunity('Ember Imports'))).reasonMaxLength).toBe(255);
  });
});
