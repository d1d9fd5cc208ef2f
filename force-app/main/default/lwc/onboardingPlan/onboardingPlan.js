import { LightningElement, api } from 'lwc';
import getPlanView from '@salesforce/apex/GtmOnboardingPlanController.getPlanView';
import actOnStep from '@salesforce/apex/GtmOnboardingPlanController.actOnStep';
import { errorText } from 'c/gtmErrors';
import { formatDate } from 'c/gtmFormat';

/**
 * exp-008 on the Account record page: the account's onboarding plan from the blueprint (OnboardingView in
 * scripts/contracts/onboardingContracts.ts): baseline against forecast, "day 5 of 8", the at-risk flag with its
 * reason, the activation meter ("18 of 25 AI resolutions ..."), and the steps grouped by side with owners, due dates,
 * gates and the actions their state allows (block and skip ask for a reason). Every verdict comes from
 * GtmOnboardingPlanController; this component only puts it into words.
 */

const formats = new Map();
const SIDES = [
  { name: 'Ours', heading: 'Our steps' },
  { name: 'Customer', heading: "The customer's steps" },
  { name: 'Third party', heading: 'Third-party steps' }
];

/** An ISO instant as a day ("Nov 24, 2026") in the plan's time zone, where its due days are; '' when empty. */
const localDays = new Map();

/** An instant's calendar day in a time zone, as days since 1970 (the plan's days count calendar days there). */
function localDay(value, timeZone) {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return null;
  const key = timeZone || '';
  if (!localDays.has(key))
    localDays.set(key, new Intl.DateTimeFormat('en-CA', { timeZone: timeZone || undefined, dateStyle: 'short' }));
  const [y, m, d] = localDays.get(key).format(new Date(ms)).split('-').map(Number);
  return Date.UTC(y, m - 1, d) / 86400000;
}

/** The plan's day of an instant: 0 on the start day, in the plan's time zone (as planDay in onboardingRule.ts). */
export function planDayOf(startAt, at, timeZone) {
  const start = localDay(startAt, timeZone);
  const end = localDay(at, timeZone);
  return start === null || end === null ? null : end - start;
}

export function formatDay(value, timeZone) {
  if (!value) return '';
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return String(value);
  const key = timeZone || '';
  if (!formats.has(key))
    formats.set(
      key,
      new Intl.DateTimeFormat('en-US', {
        month: 'short',
        day: 'numeric',
        year: 'numeric',
        timeZone: timeZone || undefined
      })
    );
  return formats.get(key).format(new Date(ms));
}

function stepDetail(s, tz) {
  const parts = [];
  if (s.ownerRole) parts.push(s.ownerRole);
  if (s.status === 'Done' || s.status === 'Skipped')
    parts.push(`${s.status.toLowerCase()} ${formatDay(s.completedAt, tz)}`);
  else if (s.dueAt) parts.push(`due ${formatDay(s.dueAt, tz)}`);
  else if (s.dependsOn.length) parts.push(`after ${s.dependsOn.join(', ')}`);
  return parts.join(' · ');
}

function stepNote(s) {
  if (s.status === 'Blocked' && s.blockedReason) return `Blocked: ${s.blockedReason}`;
  if (s.status === 'Skipped' && s.skipReason) return `Skipped: ${s.skipReason}`;
  if (s.dependencyReopened) return 'A step this one depends on was reopened; it keeps its state.';
  if (s.linkedTo) return `Completes by itself from the deal's ${s.linkedTo.replace(/_/g, ' ')}.`;
  return '';
}

export default class OnboardingPlan extends LightningElement {
  @api recordId;

  view;
  error;
  busy = false;
  /** the step and action waiting for a reason (block, skip) */
  asking;
  reason = '';
  /** what is wrong with the reason form, shown under it (the top of the card may be out of view) */
  reasonError;

  connectedCallback() {
    this.load();
  }

  async load() {
    try {
      this.view = await getPlanView({ accountId: this.recordId });
      this.error = undefined;
    } catch (e) {
      this.error = `The onboarding plan could not be loaded. ${errorText(e)}`;
    }
  }

  get isLoading() {
    return !this.view && !this.error;
  }

  get errorMessage() {
    return this.error || '';
  }

  get plan() {
    return this.view ? this.view.plan : null;
  }

  get noPlan() {
    return Boolean(this.view) && !this.view.plan;
  }

  /** the blueprint in words: its key's words ("Implementation_v1" is "Implementation blueprint, version 1") */
  get blueprintText() {
    const p = this.plan;
    const arm = p.arm === 'Legacy' ? 'Legacy (pre-program)' : 'Blueprint';
    const name = String(p.blueprint || '')
      .replace(/_v\d+$/i, '')
      .replace(/_/g, ' ');
    return `${name} blueprint, version ${p.blueprintVersion} · ${arm} arm · ${p.status} · started ${formatDay(p.startAt, p.timeZone)}`;
  }

  /** why the plan is at risk, its dates written in the user's locale (the server sends them as data) */
  get risk() {
    const r = this.plan.atRiskDetail;
    if (!r) return null;
    return {
      day: r.day,
      forecast: formatDate(r.forecastDate),
      target: formatDate(r.targetDate),
      late: `${r.lateDays} day${r.lateDays === 1 ? '' : 's'}`,
      targetDays: r.targetDays
    };
  }

  /** the reason the plan record keeps, when no judgement comes with it: its ISO dates written as the panel's */
  get storedRiskReason() {
    return String(this.plan.atRiskReason || '').replace(/\b\d{4}-\d{2}-\d{2}\b/g, (d) => formatDate(d));
  }

  /**
   * Where the plan stands against its target. An activated plan stops counting ("Day 397 of 8" read as a plan a year
   * late): it says the day it activated on; one past its target without activation says by how much.
   */
  get dayText() {
    const p = this.plan;
    const activatedAt = p.activation && p.activation.activatedAt;
    if (activatedAt) {
      const day = planDayOf(p.startAt, activatedAt, p.timeZone);
      if (day !== null) return `Activated on day ${day} (target: ${p.targetDays} days)`;
    }
    if (p.day > p.targetDays && p.status !== 'Churned') {
      const late = p.day - p.targetDays;
      return `Day ${p.day}: ${late} day${late === 1 ? '' : 's'} past the ${p.targetDays}-day target`;
    }
    return `Day ${p.day} of ${p.targetDays}`;
  }

  get baselineText() {
    return formatDay(this.plan.baselineEnd, this.plan.timeZone);
  }

  get forecastText() {
    return formatDay(this.plan.forecastEnd, this.plan.timeZone);
  }

  get slipText() {
    const d = this.plan.slipDays;
    if (d === 0) return 'on the baseline';
    return d > 0
      ? `${d} day${d === 1 ? '' : 's'} behind the baseline`
      : `${-d} day${d === -1 ? '' : 's'} ahead of the baseline`;
  }

  get meterValue() {
    const a = this.plan.activation;
    return Math.min(a.aiResolved || 0, a.minimum);
  }

  get meterMax() {
    return this.plan.activation.minimum;
  }

  get meterText() {
    const a = this.plan.activation;
    if (a.aiResolved === null || a.aiResolved === undefined) return `AI resolutions: ${a.basis}`;
    return `${a.aiResolved} of ${a.minimum} AI resolutions ${a.basis}`;
  }

  get activationText() {
    const a = this.plan.activation;
    if (a.activatedAt) return `Activated ${formatDay(a.activatedAt, this.plan.timeZone)}`;
    if (this.plan.status === 'Churned') return 'Churned before activation';
    return a.goLiveDone
      ? `Go-live is done; activated once ${a.minimum} AI resolutions fall within ${a.windowDays} days`
      : 'Not activated: go-live is not done yet';
  }

  get sides() {
    const steps = this.plan.steps;
    return SIDES.map((side) => ({
      ...side,
      steps: steps
        .filter((s) => s.side === side.name)
        .map((s) => {
          const open = s.status === 'Open';
          const blocked = s.status === 'Blocked';
          const finished = s.status === 'Done' || s.status === 'Skipped';
          return {
            ...s,
            detail: stepDetail(s, this.plan.timeZone),
            note: stepNote(s),
            canComplete: this.view.canAct && (open || blocked),
            canBlock: this.view.canAct && open,
            canUnblock: this.view.canAct && blocked,
            canSkip: this.view.canAct && !finished,
            canReopen: this.view.canAct && finished,
            actionable: this.view.canAct,
            asking: Boolean(this.asking) && this.asking.stepId === s.id
          };
        })
    })).filter((side) => side.steps.length > 0);
  }

  get reasonLabel() {
    return this.asking && this.asking.action === 'block' ? 'What blocks it?' : 'Why skip it?';
  }

  get confirmLabel() {
    return this.asking && this.asking.action === 'block' ? 'Block the step' : 'Skip the step';
  }

  handleAction(event) {
    const stepId = event.target.dataset.step;
    const action = event.target.dataset.action;
    if (action === 'block' || action === 'skip') {
      this.asking = { stepId, action };
      this.reason = '';
      this.reasonError = undefined;
      return;
    }
    this.act(stepId, action, null);
  }

  handleReason(event) {
    this.reason = event.detail.value;
  }

  handleCancel() {
    this.asking = undefined;
  }

  handleConfirm() {
    const { stepId, action } = this.asking;
    // a reason is required (the server refuses a blank one too): said here, under the box, before any request
    if (!(this.reason || '').trim()) {
      this.reasonError = action === 'block' ? 'Say what blocks the step.' : 'Say why the step is skipped.';
      return;
    }
    this.reasonError = undefined;
    this.act(stepId, action, this.reason);
  }

  async act(stepId, action, reason) {
    this.busy = true;
    try {
      this.view = await actOnStep({ stepId, action, reason });
      this.error = undefined;
      this.asking = undefined;
    } catch (e) {
      // an answer to the reason form is shown with the form; others at the top of the card
      if (this.asking) this.reasonError = errorText(e);
      else this.error = errorText(e);
    } finally {
      this.busy = false;
    }
  }
}
