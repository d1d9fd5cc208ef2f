/**
 * The panels' Apex controllers in TypeScript over the embedded store, so the local workbench answers every
 * panel call as the org would: same contracts (panelContracts.ts), same rules (scripts/rules), same policy.
 * Locally the user may edit and decide everything (canEdit / canDecide); writes persist in the store.
 */
import { loadPolicyFile, type Policy } from '../../policy/policy';
import type { LocalStore } from '../../store/localStore';
import type { PanelControllers, StagePort } from '../controllerPort';
import { findOpportunity } from './context';
import { blockerMessages } from '../../rules/readinessRule';
import { requestBlockerAction } from './blockerActions';
import { moveStage, requestProductionApproval, stageOptions } from './stageGate';
import { searchOwners } from './ownerSearch';
import { disqualify, getPqaView, getReadout, logTouch } from './pqaController';
import { actOnStep, getPlanView } from './onboardingController';
import { decideReadout, getProgram } from './programController';
import type { ControllerContext } from './context';
import { acceptTrigger, dismissTrigger, getExpansionView } from './expansionController';
import { acceptQueuedTrigger, dismissQueuedTrigger, getTriggerQueue, snoozeTrigger } from './expansionQueueController';
import { addCriterion, applyTemplate, deleteCriterion, getScorecard, updateCriterion } from './scorecardController';
import { getGatePanel, setHumanVerdict } from './hallucinationGateController';
import {
  getPacketStatus,
  markPacketSent,
  recordReviewBlocked,
  recordReviewCompleted
} from './securityPacketController';

export { createStoreData } from './workbenchData';

/** The stage control of the workbench's Opportunity page, judged by the trigger's gates. */
export function createStoreStages(store: LocalStore, today: string, options: StoreControllerOptions = {}): StagePort {
  const ctx: ControllerContext = {
    store,
    today,
    policy: options.policy ?? loadPolicyFile(),
    projectDir: options.projectDir
  };
  return {
    async options(opportunityId) {
      const opp = await findOpportunity(ctx, opportunityId);
      return { current: opp.stageName, stages: stageOptions(ctx, opp.stageName) };
    },
    // the record edit shows the trigger's words only, as the org's does
    move: async (opportunityId, stageName) => {
      const { reason: _reason, ...moved } = await moveStage(ctx, opportunityId, stageName);
      return { ...moved, blockers: blockerMessages(moved.blockers) };
    }
  };
}
export type { ControllerContext } from './context';

export interface StoreControllerOptions {
  /** default: policy/gtm-policy.json of this repository (what GTM_Policy__mdt is deployed from) */
  policy?: Policy;
  /** the project whose force-app holds the criterion template; default: this repository */
  projectDir?: string;
}

/** `today` (YYYY-MM-DD) is the org's Date.today() for every rule: completion deadlines, expiry, streaks. */
export function createStoreControllers(
  store: LocalStore,
  today: string,
  options: StoreControllerOptions = {}
): PanelControllers {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new Error(`today must be a YYYY-MM-DD date, not ${today}`);
  const ctx: ControllerContext = {
    store,
    today,
    policy: options.policy ?? loadPolicyFile(),
    projectDir: options.projectDir
  };
  return {
    'GtmPilotScorecardController.getScorecard': (p) => getScorecard(ctx, p.opportunityId),
    'GtmPilotScorecardController.updateCriterion': (p) => updateCriterion(ctx, p),
    'GtmPilotScorecardController.addCriterion': (p) => addCriterion(ctx, p),
    'GtmPilotScorecardController.deleteCriterion': (p) => deleteCriterion(ctx, p),
    'GtmPilotScorecardController.applyTemplate': (p) => applyTemplate(ctx, p.opportunityId),
    'GtmPilotScorecardController.requestProductionApproval': (p) => requestProductionApproval(ctx, p.opportunityId),
    'GtmPilotScorecardController.searchOwners': (p) => searchOwners(ctx, p.query),
    'GtmPilotScorecardController.requestBlockerAction': (p) => requestBlockerAction(ctx, p),
    'GtmHallucinationGateController.getGatePanel': (p) => getGatePanel(ctx, p.opportunityId),
    'GtmHallucinationGateController.setHumanVerdict': (p) => setHumanVerdict(ctx, p),
    'GtmSecurityPacketController.getPacketStatus': (p) => getPacketStatus(ctx, p.opportunityId),
    'GtmSecurityPacketController.markPacketSent': (p) => markPacketSent(ctx, p),
    'GtmSecurityPacketController.recordReviewCompleted': (p) => recordReviewCompleted(ctx, p),
    'GtmSecurityPacketController.recordReviewBlocked': (p) => recordReviewBlocked(ctx, p),
    'GtmExpansionTriggerController.getExpansionView': (p) => getExpansionView(ctx, p.accountId),
    'GtmExpansionTriggerController.acceptTrigger': (p) => acceptTrigger(ctx, p),
    'GtmExpansionTriggerController.dismissTrigger': (p) => dismissTrigger(ctx, p),
    'GtmExpansionQueueController.getTriggerQueue': () => getTriggerQueue(ctx),
    'GtmExpansionQueueController.acceptQueuedTrigger': (p) => acceptQueuedTrigger(ctx, p),
    'GtmExpansionQueueController.dismissQueuedTrigger': (p) => dismissQueuedTrigger(ctx, p),
    'GtmExpansionQueueController.snoozeTrigger': (p) => snoozeTrigger(ctx, p),
    'GtmPqaPanelController.getPqaView': (p) => getPqaView(ctx, p.accountId),
    'GtmPqaPanelController.disqualify': (p) => disqualify(ctx, p),
    'GtmPqaPanelController.logTouch': (p) => logTouch(ctx, p),
    'GtmPqaReadoutController.getReadout': (p) => getReadout(ctx, p),
    'GtmProgramController.getProgram': (p) => getProgram(ctx, p),
    'GtmProgramController.decideReadout': (p) => decideReadout(ctx, p),
    'GtmOnboardingPlanController.getPlanView': (p) => getPlanView(ctx, p.accountId),
    'GtmOnboardingPlanController.actOnStep': (p) => actOnStep(ctx, p)
  };
}
