/**
 * The Opportunity stage gates in the workbench (issue 13, defect 9): what GtmOpportunityTrigger does before update,
 * through the TypeScript twins of its rules, so an AE sees "Cannot move to Production Approval: ..." exactly as the
 * org says it, fixes what is asked on the panels and moves again. Mirrors GtmOpportunityGateService.enforce:
 * - entering policy Stage_Proposal: an enterprise deal (GtmStageGateRule) needs current collateral through close;
 * - entering Stage_Production_Approval or Stage_Closed_Won: a pilot (a scorecard or a pilot start date) must be
 *   ready (GtmReadinessRule), one without a scorecard is blocked for that too;
 * - a policy bypass switch lets the move through and appends a line to GTM_Gate_Bypass_Log__c instead.
 */
import { blockerMessages, collateralBlockers, type ReadinessBlocker } from '../../rules/readinessRule';
import { judgeCollateral } from '../../rules/collateralRule';
import { GATE_PRODUCTION, GATE_PROPOSAL, judgeStageGate } from '../../rules/stageGateRule';
import { ControllerError } from '../controllerPort';
import { collateralRecords, findOpportunity, relevantCollateral, str, type ControllerContext } from './context';
import { blockerViews, getScorecard, productionReadiness, scorecardOf } from './scorecardController';
import type { PanelResult } from '../../contracts/panelContracts';
import { appendLog } from './securityPacketController';
import { queryOne, updateRecord, WORKBENCH_USER_NAME, workbenchUserId } from './storeAccess';

/** The answer to a stage change: moved, or refused with the trigger's message and each blocker. */
export interface StageMove {
  allowed: boolean;
  /** the stage the opportunity is at afterwards */
  stageName: string | null;
  /** the trigger's error (record.addError) when refused; null when moved */
  message: string | null;
  /** the gate's reason, the message without its list of blockers; null when moved */
  reason: string | null;
  /** what the gate judged (codes and words); the trigger's message lists their words */
  blockers: ReadinessBlocker[];
  /** moved although blocked, because policy switches the gate off (logged on the opportunity) */
  bypassed: boolean;
}

/** A pilot gated without a scorecard (GtmOpportunityGateService says the same). */
const NO_SCORECARD: ReadinessBlocker = {
  code: 'scorecard_missing',
  message: 'the pilot has no scorecard: apply the standard template on the Pilot Scorecard panel',
  subject: null
};

/** Gate names as the Apex service writes them in messages and the bypass log. */
const GATE_NAMES = { proposal: 'Proposal collateral gate', production: 'Production readiness gate' } as const;
const BYPASS_KEYS = {
  proposal: 'Gate_Bypass_Proposal_Collateral',
  production: 'Gate_Bypass_Production_Readiness'
} as const;

/**
 * The stages the workbench's stage control offers, in path order. The org's StageName picklist stands in here:
 * Salesforce's default open and lost stages around the policy's gated ones (those come from GTM_Policy).
 */
export function stageOptions(ctx: ControllerContext, current: string | null): string[] {
  const p = ctx.policy;
  const path = [
    'Prospecting',
    'Qualification',
    p.text('Stage_Pilot'),
    p.text('Stage_Proposal'),
    p.text('Stage_Production_Approval'),
    p.text('Stage_Closed_Won'),
    'Closed Lost'
  ];
  const unique = [...new Set(path)];
  return current && !unique.includes(current) ? [current, ...unique] : unique;
}

/** Which gate entering `stage` meets, if any. */
function gateOf(ctx: ControllerContext, stage: string): 'proposal' | 'production' | null {
  if (stage === ctx.policy.text('Stage_Proposal')) return 'proposal';
  if (stage === ctx.policy.text('Stage_Production_Approval') || stage === ctx.policy.text('Stage_Closed_Won'))
    return 'production';
  return null;
}

/** Changes the opportunity's stage as the org's trigger lets it: every gated move judged first. */
export async function moveStage(ctx: ControllerContext, opportunityId: string, stageName: string): Promise<StageMove> {
  const opp = await findOpportunity(ctx, opportunityId);
  const stage = stageName.trim();
  if (!stageOptions(ctx, opp.stageName).includes(stage)) {
    throw new ControllerError(
      `Stage: "${stageName}" is not a stage of this org (one of ${stageOptions(ctx, opp.stageName).join(', ')})`
    );
  }
  if (stage === opp.stageName) {
    return { allowed: true, stageName: stage, message: null, reason: null, blockers: [], bypassed: false };
  }

  const gate = gateOf(ctx, stage);
  let blockers: ReadinessBlocker[] = [];
  let reason = '';
  if (gate) {
    const account = opp.accountId
      ? await queryOne(ctx.store, 'SELECT "GTM_Segment__c" FROM "Account" WHERE "Id" = $id', { id: opp.accountId })
      : null;
    const scorecard = await scorecardOf(ctx, opp.id);
    const applies = judgeStageGate(
      {
        gate: gate === 'proposal' ? GATE_PROPOSAL : GATE_PRODUCTION,
        deal: {
          segment: account ? str(account.GTM_Segment__c) : null,
          hasScorecard: scorecard !== null,
          Pilot_Start_Date__c: opp.pilotStartDate
        }
      },
      ctx.policy
    ).applies;
    if (applies && gate === 'proposal') {
      const collateral = judgeCollateral(
        { closeDate: opp.closeDate, items: collateralRecords(await relevantCollateral(ctx, opp.id)) },
        ctx.policy,
        ctx.today
      );
      blockers = collateralBlockers(collateral);
      reason = `Cannot move to ${stage}: enterprise opportunities need current security/trust collateral through the close date`;
    } else if (applies) {
      const { readiness } = await productionReadiness(ctx, opp, scorecard, opp.pilotStartDate);
      blockers = [...(scorecard ? [] : [NO_SCORECARD]), ...readiness.blockers];
      reason = `Cannot move to ${stage}: the pilot is not ready for production approval`;
    }
  }

  const values: Record<string, string> = { StageName: stage };
  let bypassed = false;
  if (gate && blockers.length > 0) {
    if (!ctx.policy.boolean(BYPASS_KEYS[gate])) {
      return {
        allowed: false,
        stageName: opp.stageName,
        message: `${reason}. ${blockerMessages(blockers).join('; ')}.`,
        reason,
        blockers,
        bypassed: false
      };
    }
    const row = await queryOne(ctx.store, 'SELECT "GTM_Gate_Bypass_Log__c" FROM "Opportunity" WHERE "Id" = $id', {
      id: opp.id
    });
    const user = await workbenchUserId(ctx.store);
    const line = `${ctx.today} ${GATE_NAMES[gate]} bypassed (policy) by ${WORKBENCH_USER_NAME} (${user}) entering ${stage}: ${blockerMessages(blockers).join('; ')}`;
    const max = ctx.store.schema.field('Opportunity', 'GTM_Gate_Bypass_Log__c').length ?? 32768;
    values.GTM_Gate_Bypass_Log__c = appendLog(str(row?.GTM_Gate_Bypass_Log__c), line, max);
    bypassed = true;
  }
  await updateRecord(ctx.store, 'Opportunity', opp.id, values);
  return { allowed: true, stageName: stage, message: null, reason: null, blockers, bypassed };
}

/**
 * GtmPilotScorecardController.requestProductionApproval: the move to policy Stage_Production_Approval through the
 * gate, as the Apex saves the opportunity and reads the trigger's answer.
 */
export async function requestProductionApproval(
  ctx: ControllerContext,
  opportunityId: string
): Promise<PanelResult<'GtmPilotScorecardController.requestProductionApproval'>> {
  const move = await moveStage(ctx, opportunityId, ctx.policy.text('Stage_Production_Approval'));
  const scorecard = await getScorecard(ctx, opportunityId);
  return {
    allowed: move.allowed,
    stageName: move.stageName,
    message: move.reason,
    blockers: move.allowed
      ? []
      : await blockerViews(ctx, await findOpportunity(ctx, opportunityId), move.blockers, scorecard.score ?? null),
    scorecard
  };
}
