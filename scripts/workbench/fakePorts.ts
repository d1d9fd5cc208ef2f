/**
 * In-memory PanelControllers and WorkbenchData for testing the workbench without a store: each view method
 * answers its panel's jest fixture (force-app/main/default/lwc/<panel>/__tests__/data/<method>.json) when there is
 * one, else a small built-in view; the mutations answer their own fixture, or the current view. Some ids exercise
 * the failure paths: FAKE_IDS.failing* throw a ControllerError (the panel's error.json message), FAKE_IDS.drift
 * answers a response that breaks the contract.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { panelMethods, PanelMethodName, PanelResult } from '../contracts/panelContracts';
import { REPO_ROOT } from '../lib/paths';
import { ControllerError, PanelControllers, WorkbenchData } from './controllerPort';

export const FAKE_IDS = {
  opportunity: '006WB0000000000001',
  account: '001WB0000000000001',
  failingOpportunity: '006WB000000000FAIL',
  failingAccount: '001WB000000000FAIL',
  driftOpportunity: '006WB00000000DRIFT'
} as const;

type View<M extends PanelMethodName> = PanelResult<M>;
type Scorecard = View<'GtmPilotScorecardController.getScorecard'>;
type Packet = View<'GtmSecurityPacketController.getPacketStatus'>;
type GatePanel = View<'GtmHallucinationGateController.getGatePanel'>;
type Expansion = View<'GtmExpansionTriggerController.getExpansionView'>;
type TriggerQueue = View<'GtmExpansionQueueController.getTriggerQueue'>;

const BUILT_IN_SCORECARD: Scorecard = {
  opportunityId: FAKE_IDS.opportunity,
  opportunityName: 'Acme Support - copilot pilot',
  stageName: 'Pilot',
  closeDate: '2027-01-29',
  scorecardId: 'a05WB0000000000001',
  scorecardStatus: 'Active',
  pilotStartDate: '2026-11-16',
  templateVersion: 'v1',
  criteria: [
    {
      id: 'a04WB0000000000001',
      metric: 'AI resolution share',
      unit: '%',
      targetValue: 30,
      targetDirection: 'At least',
      actualValue: 34,
      weight: 3,
      ownerId: '005WB0000000000001',
      ownerName: 'Dana Whitfield',
      dueDate: '2026-12-14',
      status: 'On Track',
      met: true,
      complete: true,
      valueMin: 0,
      valueMax: 100
    }
  ],
  score: 1,
  minScore: '0.80',
  metWeight: 3,
  totalWeight: 3,
  completion: 'complete',
  completionDeadline: '2026-11-23',
  daysLeft: null,
  incompleteCount: 0,
  readiness: { ready: true, blockers: [] },
  gate: null,
  canEdit: true,
  statusOptions: ['Not Started', 'On Track', 'At Risk'],
  canSetUp: true,
  unitOptions: [
    { unit: 'ratio', min: 0, max: 1 },
    { unit: '%', min: 0, max: 100 }
  ],
  weightMax: 999.99
};

/** The users the fake owner lookup finds. */
const FAKE_USERS = [{ id: '005WB0000000000001', name: 'Dana Whitfield' }];

const BUILT_IN_GATE_PANEL: GatePanel = {
  opportunityId: FAKE_IDS.opportunity,
  opportunityName: 'Acme Support - copilot pilot',
  status: 'Pending',
  reasons: ['no hallucination audit recorded'],
  basis: 'upper_bound',
  maxRate: 0.02,
  maxRateText: '0.02',
  minSample: 200,
  maxAgeDays: 30,
  responses: 0,
  hallucinated: 0,
  critical: 0,
  unstable: 0,
  runs: [],
  items: [],
  itemsNotListed: 0,
  fallback: { testedRecently: false },
  blockers: [],
  canReview: false,
  reasonMaxLength: 255
};

const BUILT_IN_PACKET: Packet = {
  opportunityId: FAKE_IDS.opportunity,
  opportunityName: 'Acme Support - copilot pilot',
  closeDate: '2027-01-29',
  segment: 'Enterprise',
  enterprise: true,
  packetId: 'a06WB0000000000001',
  reviewStage: 'Packet Sent',
  ndaSigned: true,
  requestedDate: '2026-11-02',
  packetSentDate: '2026-11-03',
  reviewStartedDate: null,
  completedDate: null,
  blockedDate: null,
  blockedReason: null,
  completionExceptionReason: null,
  stageLog: null,
  reasonMaxLength: 255,
  pastProposalGate: false,
  collateralCurrent: true,
  collateral: [
    { type: 'SOC 2 Type II', status: 'current', version: '2026', validUntil: '2027-06-30', documentUrl: null }
  ],
  cycle: {
    state: 'in_progress',
    days: 5,
    targetDays: 10,
    baselineDays: 21,
    onTarget: true,
    byException: false,
    stages: [{ stage: 'Requested', startDate: '2026-11-02', endDate: '2026-11-03', days: 1 }],
    actions: ['complete', 'block']
  },
  canEdit: true
};

const BUILT_IN_EXPANSION: Expansion = {
  accountId: FAKE_IDS.account,
  accountName: 'Acme Support',
  usageKey: 'acme',
  mode: 'shadow',
  shareThreshold: '0.40',
  minWeeklyTickets: 200,
  requiredWeeks: 3,
  cooldownWeeks: 8,
  weeks: [
    {
      isoWeek: '2026-W45',
      weekStart: '2026-11-02',
      ticketsTotal: 400,
      aiResolved: 180,
      share: 0.45,
      qualifies: true,
      complete: true
    }
  ],
  streak: { length: 1, startWeek: '2026-W45', endWeek: '2026-W45', required: 3 },
  latestTrigger: null,
  triggers: [],
  playbook: 'Call the champion; propose the expansion tier.',
  openOpportunities: []
};

const BUILT_IN_QUEUE: TriggerQueue = {
  today: '2026-11-24',
  rows: [],
  playbook: 'Call the champion; propose the expansion tier.'
};

/** The panel fixtures of the project, by method short name (base fixture only), and each panel's error message. */
export function loadPanelFixtures(projectDir = REPO_ROOT): {
  views: Map<string, unknown>;
  errors: Map<string, string>;
} {
  const lwcDir = path.join(projectDir, 'force-app', 'main', 'default', 'lwc');
  const views = new Map<string, unknown>();
  const errors = new Map<string, string>();
  const shortNames = new Set(Object.keys(panelMethods).map((n) => n.split('.')[1]!));
  for (const component of fs.existsSync(lwcDir) ? fs.readdirSync(lwcDir) : []) {
    const dataDir = path.join(lwcDir, component, '__tests__', 'data');
    if (!fs.existsSync(dataDir)) continue;
    for (const f of fs.readdirSync(dataDir)) {
      const m = /^(\w+)\.json$/.exec(f);
      if (!m) continue;
      let data: unknown;
      try {
        data = JSON.parse(fs.readFileSync(path.join(dataDir, f), 'utf8'));
      } catch {
        continue; // a fixture being written; the contract test reports broken ones
      }
      if (m[1] === 'error') {
        const message = (data as { body?: { message?: unknown } })?.body?.message;
        if (typeof message === 'string') errors.set(component, message);
      } else if (shortNames.has(m[1]!)) views.set(m[1]!, data);
    }
  }
  return { views, errors };
}

/** The fixture when it follows the contract, else the built-in view. */
function viewOf<M extends PanelMethodName>(method: M, fixture: unknown, fallback: View<M>): View<M> {
  const parsed = panelMethods[method].returns.safeParse(fixture);
  return (parsed.success ? parsed.data : fallback) as View<M>;
}

export interface FakePorts {
  controllers: PanelControllers;
  data: WorkbenchData;
  /** every controller call, in order: [method, params] */
  calls: [string, unknown][];
  /** the views the fakes answer, to compare what a page shows with */
  views: { scorecard: Scorecard; packet: Packet; expansion: Expansion };
}

export function createFakePorts(projectDir = REPO_ROOT): FakePorts {
  const { views: fixtures, errors } = loadPanelFixtures(projectDir);
  const scorecard = viewOf(
    'GtmPilotScorecardController.getScorecard',
    fixtures.get('getScorecard'),
    BUILT_IN_SCORECARD
  );
  const packet = viewOf(
    'GtmSecurityPacketController.getPacketStatus',
    fixtures.get('getPacketStatus'),
    BUILT_IN_PACKET
  );
  const gatePanel = viewOf(
    'GtmHallucinationGateController.getGatePanel',
    fixtures.get('getGatePanel'),
    BUILT_IN_GATE_PANEL
  );
  const expansion = viewOf(
    'GtmExpansionTriggerController.getExpansionView',
    fixtures.get('getExpansionView'),
    BUILT_IN_EXPANSION
  );
  const queue = viewOf('GtmExpansionQueueController.getTriggerQueue', fixtures.get('getTriggerQueue'), BUILT_IN_QUEUE);
  const calls: [string, unknown][] = [];
  const state = {
    queue: structuredClone(queue),
    scorecard: structuredClone(scorecard),
    packet: structuredClone(packet),
    expansion: structuredClone(expansion)
  };
  const fail = (component: string, fallback: string) => {
    throw new ControllerError(errors.get(component) ?? fallback);
  };
  const opportunity = (id: string, component: string) => {
    if (id === FAKE_IDS.failingOpportunity) fail(component, 'You do not have access to this opportunity.');
    if (id !== FAKE_IDS.opportunity && id !== FAKE_IDS.driftOpportunity)
      throw new ControllerError(`The opportunity ${id} was not found`);
  };
  const account = (id: string) => {
    if (id === FAKE_IDS.failingAccount) fail('expansionTriggerPanel', 'You do not have access to this account.');
    if (id !== FAKE_IDS.account) throw new ControllerError(`The account ${id} was not found`);
  };
  const mutation = <M extends PanelMethodName>(method: M, current: View<M>): View<M> =>
    viewOf(method, fixtures.get(method.split('.')[1]!), current);
  const record = (method: string, params: unknown) => calls.push([method, params]);

  const currentScorecard = (id: string): Scorecard => {
    const view = { ...state.scorecard, opportunityId: id };
    // drift: a required property missing, as a controller out of step with the contract would answer
    if (id === FAKE_IDS.driftOpportunity) delete (view as Partial<Scorecard>).criteria;
    return view;
  };

  const controllers: PanelControllers = {
    'GtmPilotScorecardController.getScorecard': async (p) => {
      record('GtmPilotScorecardController.getScorecard', p);
      opportunity(p.opportunityId, 'pilotScorecard');
      return currentScorecard(p.opportunityId);
    },
    'GtmPilotScorecardController.updateCriterion': async (p) => {
      record('GtmPilotScorecardController.updateCriterion', p);
      const c = state.scorecard.criteria.find((x) => x.id === p.criterionId);
      if (!c) throw new ControllerError('The criterion was not found. Reload the page: it may have been deleted.');
      if (p.clearActual) c.actualValue = null;
      else if (p.actualValue !== null) c.actualValue = p.actualValue;
      if (p.status !== null) c.status = p.status;
      return currentScorecard(state.scorecard.opportunityId);
    },
    // the fake gate answers from the fixture's readiness: allowed when ready, refused with its blockers otherwise
    'GtmPilotScorecardController.requestProductionApproval': async (p) => {
      record('GtmPilotScorecardController.requestProductionApproval', p);
      opportunity(p.opportunityId, 'pilotScorecard');
      const scorecard = currentScorecard(p.opportunityId);
      const { ready, blockers } = scorecard.readiness;
      return {
        allowed: ready,
        stageName: ready ? 'Production Approval' : (scorecard.stageName ?? null),
        message: ready ? null : 'Cannot move to Production Approval: the pilot is not ready for production approval',
        blockers: ready ? [] : blockers,
        scorecard
      };
    },
    'GtmPilotScorecardController.searchOwners': async (p) => {
      record('GtmPilotScorecardController.searchOwners', p);
      const text = p.query.trim().toLowerCase();
      return {
        users: text.length < 2 ? [] : FAKE_USERS.filter((o) => o.name.toLowerCase().includes(text))
      };
    },
    // the fake records nothing: it says what it was asked and answers the scorecard as it is
    'GtmPilotScorecardController.requestBlockerAction': async (p) => {
      record('GtmPilotScorecardController.requestBlockerAction', p);
      opportunity(p.opportunityId, 'pilotScorecard');
      return {
        message: `Requested ${p.kind}${p.target ? ` (${p.target})` : ''}`,
        taskId: null,
        packetId: null,
        scorecard: currentScorecard(p.opportunityId)
      };
    },
    'GtmPilotScorecardController.addCriterion': async (p) => {
      record('GtmPilotScorecardController.addCriterion', p);
      opportunity(p.opportunityId, 'pilotScorecard');
      state.scorecard.criteria.push({
        id: `a04WB${String(state.scorecard.criteria.length + 1).padStart(13, '0')}`,
        metric: p.metric,
        unit: null,
        targetValue: p.targetValue,
        targetDirection: p.targetDirection,
        actualValue: null,
        weight: p.weight,
        ownerId: null,
        ownerName: null,
        dueDate: p.dueDate,
        status: 'Not Started',
        met: false,
        complete: false,
        valueMin: -999999999999.9999,
        valueMax: 999999999999.9999
      });
      return currentScorecard(p.opportunityId);
    },
    'GtmPilotScorecardController.deleteCriterion': async (p) => {
      record('GtmPilotScorecardController.deleteCriterion', p);
      const at = state.scorecard.criteria.findIndex((x) => x.id === p.criterionId);
      if (at < 0) throw new ControllerError('The criterion was not found');
      state.scorecard.criteria.splice(at, 1);
      return currentScorecard(state.scorecard.opportunityId);
    },
    'GtmPilotScorecardController.applyTemplate': async (p) => {
      record('GtmPilotScorecardController.applyTemplate', p);
      opportunity(p.opportunityId, 'pilotScorecard');
      return mutation('GtmPilotScorecardController.applyTemplate', currentScorecard(p.opportunityId));
    },
    'GtmHallucinationGateController.getGatePanel': async (p) => {
      record('GtmHallucinationGateController.getGatePanel', p);
      opportunity(p.opportunityId, 'hallucinationGate');
      return { ...gatePanel, opportunityId: p.opportunityId };
    },
    'GtmHallucinationGateController.setHumanVerdict': async (p) => {
      record('GtmHallucinationGateController.setHumanVerdict', p);
      opportunity(p.opportunityId, 'hallucinationGate');
      return mutation('GtmHallucinationGateController.setHumanVerdict', {
        ...gatePanel,
        opportunityId: p.opportunityId
      });
    },
    'GtmSecurityPacketController.getPacketStatus': async (p) => {
      record('GtmSecurityPacketController.getPacketStatus', p);
      opportunity(p.opportunityId, 'securityPacketStatus');
      return { ...state.packet, opportunityId: p.opportunityId };
    },
    'GtmSecurityPacketController.markPacketSent': async (p) => {
      record('GtmSecurityPacketController.markPacketSent', p);
      opportunity(p.opportunityId, 'securityPacketStatus');
      state.packet = mutation('GtmSecurityPacketController.markPacketSent', state.packet);
      return { ...state.packet, opportunityId: p.opportunityId };
    },
    'GtmSecurityPacketController.recordReviewCompleted': async (p) => {
      record('GtmSecurityPacketController.recordReviewCompleted', p);
      opportunity(p.opportunityId, 'securityPacketStatus');
      state.packet = mutation('GtmSecurityPacketController.recordReviewCompleted', state.packet);
      return { ...state.packet, opportunityId: p.opportunityId };
    },
    'GtmSecurityPacketController.recordReviewBlocked': async (p) => {
      record('GtmSecurityPacketController.recordReviewBlocked', p);
      opportunity(p.opportunityId, 'securityPacketStatus');
      state.packet = mutation('GtmSecurityPacketController.recordReviewBlocked', state.packet);
      return { ...state.packet, opportunityId: p.opportunityId };
    },
    'GtmExpansionTriggerController.getExpansionView': async (p) => {
      record('GtmExpansionTriggerController.getExpansionView', p);
      account(p.accountId);
      return { ...state.expansion, accountId: p.accountId };
    },
    'GtmExpansionTriggerController.acceptTrigger': async (p) => {
      record('GtmExpansionTriggerController.acceptTrigger', p);
      if (!state.expansion.triggers.some((t) => t.id === p.triggerId))
        throw new ControllerError('The trigger was not found.');
      state.expansion = mutation('GtmExpansionTriggerController.acceptTrigger', state.expansion);
      return state.expansion;
    },
    'GtmExpansionTriggerController.dismissTrigger': async (p) => {
      record('GtmExpansionTriggerController.dismissTrigger', p);
      if (!state.expansion.triggers.some((t) => t.id === p.triggerId))
        throw new ControllerError('The trigger was not found.');
      state.expansion = mutation('GtmExpansionTriggerController.dismissTrigger', state.expansion);
      return state.expansion;
    },
    'GtmExpansionQueueController.getTriggerQueue': async (p) => {
      record('GtmExpansionQueueController.getTriggerQueue', p);
      return state.queue;
    },
    'GtmExpansionQueueController.acceptQueuedTrigger': async (p) => {
      record('GtmExpansionQueueController.acceptQueuedTrigger', p);
      state.queue = { ...state.queue, rows: state.queue.rows.filter((r) => r.id !== p.triggerId) };
      return state.queue;
    },
    'GtmExpansionQueueController.dismissQueuedTrigger': async (p) => {
      record('GtmExpansionQueueController.dismissQueuedTrigger', p);
      state.queue = { ...state.queue, rows: state.queue.rows.filter((r) => r.id !== p.triggerId) };
      return state.queue;
    },
    'GtmExpansionQueueController.snoozeTrigger': async (p) => {
      record('GtmExpansionQueueController.snoozeTrigger', p);
      state.queue = {
        ...state.queue,
        rows: state.queue.rows.map((r) =>
          r.id === p.triggerId ? { ...r, snoozedUntil: p.snoozedUntil, snoozed: p.snoozedUntil > state.queue.today } : r
        )
      };
      return state.queue;
    },
    // exp-001 (issue 17): the PQA panel and the readout page answer their fixtures, when present
    'GtmPqaPanelController.getPqaView': async (p) => {
      record('GtmPqaPanelController.getPqaView', p);
      const view = panelMethods['GtmPqaPanelController.getPqaView'].returns.safeParse(fixtures.get('getPqaView'));
      if (!view.success) throw new ControllerError('No PQA fixture (pqaPanel/__tests__/data/getPqaView.json)');
      return { ...view.data, accountId: p.accountId };
    },
    'GtmPqaPanelController.disqualify': async (p) => {
      record('GtmPqaPanelController.disqualify', p);
      throw new ControllerError('The fakes do not disqualify PQAs (the store controllers do)');
    },
    'GtmPqaPanelController.logTouch': async (p) => {
      record('GtmPqaPanelController.logTouch', p);
      throw new ControllerError('The fakes do not log touches (the store controllers do)');
    },
    'GtmPqaReadoutController.getReadout': async (p) => {
      record('GtmPqaReadoutController.getReadout', p);
      const view = panelMethods['GtmPqaReadoutController.getReadout'].returns.safeParse(fixtures.get('getReadout'));
      if (!view.success) throw new ControllerError('No readout fixture (pqaReadout/__tests__/data/getReadout.json)');
      return view.data;
    },
    // exp-008 (issue 18): the onboarding plan panel answers its fixture, when present
    'GtmOnboardingPlanController.getPlanView': async (p) => {
      record('GtmOnboardingPlanController.getPlanView', p);
      const view = panelMethods['GtmOnboardingPlanController.getPlanView'].returns.safeParse(
        fixtures.get('getPlanView')
      );
      if (!view.success)
        throw new ControllerError('No onboarding fixture (onboardingPlan/__tests__/data/getPlanView.json)');
      return { ...view.data, accountId: p.accountId };
    },
    'GtmOnboardingPlanController.actOnStep': async (p) => {
      record('GtmOnboardingPlanController.actOnStep', p);
      throw new ControllerError(`No onboarding actions in the fixture world (step ${p.stepId})`);
    },
    // the program cockpit (issue 19): the program page answers its fixture, when present; decisions are not kept
    'GtmProgramController.getProgram': async (p) => {
      record('GtmProgramController.getProgram', p);
      const view = panelMethods['GtmProgramController.getProgram'].returns.safeParse(fixtures.get('getProgram'));
      if (!view.success) throw new ControllerError('No program fixture (gtmProgram/__tests__/data/getProgram.json)');
      return view.data;
    },
    'GtmProgramController.decideReadout': async (p) => {
      record('GtmProgramController.decideReadout', p);
      throw new ControllerError(`No decisions in the fixture world (readout ${p.readoutId})`);
    }
  };

  const opportunities = [
    { id: FAKE_IDS.opportunity, name: scorecard.opportunityName },
    { id: FAKE_IDS.failingOpportunity, name: 'Failing opportunity (controller error)' },
    { id: FAKE_IDS.driftOpportunity, name: 'Drifting opportunity (contract violation)' }
  ];
  const accounts = [
    { id: FAKE_IDS.account, name: expansion.accountName },
    { id: FAKE_IDS.failingAccount, name: 'Failing account (controller error)' }
  ];
  const data: WorkbenchData = {
    async listAccounts() {
      return accounts.map((a) => ({ ...a, segment: packet.segment ?? null }));
    },
    async listOpportunities() {
      return opportunities.map((o) => ({
        ...o,
        accountName: expansion.accountName,
        stageName: scorecard.stageName ?? null,
        closeDate: scorecard.closeDate ?? null
      }));
    },
    async recordHeader(objectName, id) {
      if (objectName === 'Task') return null;
      if (objectName === 'Opportunity') {
        const o = opportunities.find((x) => x.id === id);
        return o
          ? {
              name: o.name,
              fields: [
                { label: 'Account Name', value: expansion.accountName },
                { label: 'Stage', value: scorecard.stageName ?? '' },
                { label: 'Close Date', value: scorecard.closeDate ?? '' }
              ]
            }
          : null;
      }
      const a = accounts.find((x) => x.id === id);
      return a
        ? {
            name: a.name,
            fields: [
              { label: 'Segment', value: packet.segment ?? '' },
              { label: 'Usage Key', value: expansion.usageKey ?? '' }
            ]
          }
        : null;
    }
  };

  return { controllers, data, calls, views: { scorecard, packet, expansion } };
}
