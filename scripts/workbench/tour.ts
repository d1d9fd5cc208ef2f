/**
 * Where to look first: a few record pages of the sample world that show each panel's interesting states, found by
 * asking the same controllers the pages call (so the tour follows the data, never hard-coded ids).
 */
import type { PanelControllers, WorkbenchData } from './controllerPort';
import { APP_PAGES } from './server';

export interface TourStop {
  what: string;
  name: string;
  path: string;
}

const recordPath = (object: 'Account' | 'Opportunity', id: string) =>
  `/lightning/r/${object}/${encodeURIComponent(id)}/view`;

export async function findTour(controllers: PanelControllers, data: WorkbenchData): Promise<TourStop[]> {
  const stops: TourStop[] = [];
  const opportunities = await data.listOpportunities();
  let blocked: TourStop | undefined;
  let ready: TourStop | undefined;
  let expiring: TourStop | undefined;
  let provisional: TourStop | undefined;
  for (const o of opportunities) {
    if (blocked && ready && expiring && provisional) break;
    const card = await controllers['GtmPilotScorecardController.getScorecard']({ opportunityId: o.id });
    // exp-006: a hallucination audit short of the strict gate, whose failing case a reviewer can judge on the panel
    if (!provisional && card.readiness.blockers.some((b) => b.code === 'audit_not_passed')) {
      const gate = await controllers['GtmHallucinationGateController.getGatePanel']({ opportunityId: o.id });
      if (gate.status === 'Provisional' && gate.items.length > 0)
        provisional = {
          what: 'a pilot whose hallucination gate is Provisional (review its failing case on the panel)',
          name: o.name,
          path: recordPath('Opportunity', o.id)
        };
    }
    if (card.scorecardId && !card.readiness.ready && !blocked)
      blocked = {
        what: 'a pilot blocked from production approval',
        name: o.name,
        path: recordPath('Opportunity', o.id)
      };
    if (card.scorecardId && card.readiness.ready && !ready)
      ready = { what: 'a pilot ready for production approval', name: o.name, path: recordPath('Opportunity', o.id) };
    if (!expiring) {
      const packet = await controllers['GtmSecurityPacketController.getPacketStatus']({ opportunityId: o.id });
      if (packet.enterprise && packet.collateral.some((c) => c.status === 'expires_before_close'))
        expiring = {
          what: 'an enterprise deal with collateral expiring before close',
          name: o.name,
          path: recordPath('Opportunity', o.id)
        };
    }
  }
  for (const stop of [blocked, ready, expiring, provisional]) if (stop) stops.push(stop);

  for (const a of await data.listAccounts()) {
    const view = await controllers['GtmExpansionTriggerController.getExpansionView']({ accountId: a.id });
    if (view.latestTrigger?.canDecide) {
      stops.push({
        what: `an account with an undecided ${view.latestTrigger.status.toLowerCase()} expansion trigger`,
        name: a.name,
        path: recordPath('Account', a.id)
      });
      break;
    }
  }

  // CS Ops work a queue across accounts, not one account at a time: the Trigger Queue app page
  const queue = await controllers['GtmExpansionQueueController.getTriggerQueue']({});
  if (queue.rows.length > 0) {
    stops.push({
      what: `the CS Ops queue of ${queue.rows.length} undecided expansion ${queue.rows.length === 1 ? 'trigger' : 'triggers'} across accounts`,
      name: APP_PAGES.Trigger_Queue!.title,
      path: '/lightning/n/Trigger_Queue'
    });
  }

  // exp-008: an onboarding plan the rules flag at risk (its forecast is past the 8-day target by day 3)
  for (const a of await data.listAccounts()) {
    const view = await controllers['GtmOnboardingPlanController.getPlanView']({ accountId: a.id }).catch(() => null);
    if (view?.plan?.atRisk) {
      stops.push({
        what: `an onboarding plan at risk on day ${view.plan.day} of ${view.plan.targetDays}`,
        name: a.name,
        path: recordPath('Account', a.id)
      });
      break;
    }
  }

  // exp-001 for CS Ops: a treated PQA whose first-touch SLA ran out and was reassigned (owner and why, the clock)
  for (const a of await data.listAccounts()) {
    const view = await controllers['GtmPqaPanelController.getPqaView']({ accountId: a.id }).catch(() => null);
    if (view?.signals[0]?.assignment?.sla?.status === 'Reassigned') {
      stops.push({
        what: 'a PQA whose first-touch SLA breached and was reassigned',
        name: a.name,
        path: recordPath('Account', a.id)
      });
      break;
    }
  }

  // exp-001 for an owner: a treated PQA whose first-touch clock still runs today, so "Log a call" is on the panel
  for (const a of await data.listAccounts()) {
    const view = await controllers['GtmPqaPanelController.getPqaView']({ accountId: a.id }).catch(() => null);
    const sla = view?.signals[0]?.assignment?.sla;
    if (sla && ['Pending', 'Warning'].includes(sla.status) && !sla.firstTouchAt) {
      stops.push({
        what: `a PQA whose first-touch SLA clock is running (${sla.status}): log the first touch on the panel`,
        name: a.name,
        path: recordPath('Account', a.id)
      });
      break;
    }
  }

  // RevOps' pages: exp-001's lift readout once one is published, and the program cockpit
  const published = await controllers['GtmPqaReadoutController.getReadout']({ experimentKey: 'exp-001' }).catch(
    () => null
  );
  if (published?.readout) {
    stops.push({
      what: `exp-001's lift readout (recommendation: ${published.readout.recommendation.decision})`,
      name: APP_PAGES.Pqa_Readout!.title,
      path: '/lightning/n/Pqa_Readout'
    });
  }
  stops.push({
    what: 'the KPI tiles, the experiment portfolio with its decisions and the rollout audit',
    name: APP_PAGES.Program!.title,
    path: '/lightning/n/Program'
  });
  return stops;
}
