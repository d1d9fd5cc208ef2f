import { LightningElement, api, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import getExpansionView from '@salesforce/apex/GtmExpansionTriggerController.getExpansionView';
import acceptTrigger from '@salesforce/apex/GtmExpansionTriggerController.acceptTrigger';
import dismissTrigger from '@salesforce/apex/GtmExpansionTriggerController.dismissTrigger';
import { errorText } from 'c/gtmErrors';
import { formatDate, formatPercent as formatShare, plural, recordUrl } from 'c/gtmFormat';

/**
 * exp-005 expansion triggers on the Account record page, for CS Ops: the weekly AI resolution share chart
 * (c/usageShareChart), the current qualifying streak, the latest trigger with the evidence weeks and thresholds it
 * fired on, and the accept / dismiss decision whose reasons feed the false-positive measurement.
 *
 * Which weeks qualify, the streak, trigger status and canDecide come from GtmExpansionTriggerController
 * (ExpansionView in scripts/contracts/panelContracts.ts); this component only formats them. Mutations return the
 * fresh view, which is shown at once; the wired view is then refreshed.
 */

const NUMBER_FORMAT = new Intl.NumberFormat();

const formatPercent = (ratio) => formatShare(ratio, '—');

function formatCount(value) {
  return value === null || value === undefined ? '—' : NUMBER_FORMAT.format(value);
}

/** "2026-W10".."2026-W12" -> "W10-W12"; the year stays when the range crosses one. */
function weekRange(start, end) {
  if (!start || !end) return start || end || '';
  if (start === end) return start.replace(/^\d{4}-/, '');
  const sameYear = start.slice(0, 4) === end.slice(0, 4);
  return sameYear ? `${start.replace(/^\d{4}-/, '')}-${end.replace(/^\d{4}-/, '')}` : `${start}-${end}`;
}

/** Why a week did not qualify, in words, with its values and the policy's threshold or minimum. */
function shortfallText(streak, view) {
  if (!streak.shortWeek || !streak.shortReason) return '';
  const week = streak.shortWeek;
  if (streak.shortReason === 'no_tickets') return `${week} had no tickets recorded`;
  if (streak.shortReason === 'below_minimum') {
    const tickets = `${formatCount(streak.shortTickets)} ${streak.shortTickets === 1 ? 'ticket' : 'tickets'}`;
    return `${week} had ${tickets}, below the minimum of ${formatCount(view.minWeeklyTickets)}`;
  }
  return `${week} had ${formatPercent(streak.shortShare)} AI resolution share on ${formatCount(
    streak.shortTickets
  )} tickets, below the ${formatPercent(view.shareThreshold)} threshold`;
}

const REASON_REQUIRED = 'Enter why this trigger is not an expansion opportunity before you dismiss it.';
const MAX_EARLIER = 5;

export default class ExpansionTriggerPanel extends LightningElement {
  @api recordId;

  /** the latest ExpansionView: from the wire, or returned by a mutation */
  view;
  loadError;
  actionError;
  saving = false;
  opportunityIdValue = '';
  dismissReason = '';
  /** the trigger being decided when it is not the latest (an older undecided one) */
  selectedTriggerId;
  reasonError;
  wiredResult;

  @wire(getExpansionView, { accountId: '$recordId' })
  wiredView(result) {
    this.wiredResult = result;
    if (result.data) {
      this.view = result.data;
      this.loadError = undefined;
    } else if (result.error) {
      this.loadError = result.error;
    }
  }

  // ------------------------------------------------------------------ state

  get isLoading() {
    return !this.view && !this.loadError;
  }

  /** one banner: a failed decision's message says more than the refresh that failed after it */
  get showLoadError() {
    return Boolean(this.loadError) && !this.actionError;
  }

  get loadErrorText() {
    return this.loadError ? `Expansion usage could not be loaded. ${errorText(this.loadError)}` : '';
  }

  get weeks() {
    return (this.view && this.view.weeks) || [];
  }

  get hasWeeks() {
    return this.weeks.length > 0;
  }

  /** what CS Ops can do about it, in their words (the sync is RevOps' command, not theirs) */
  get emptyText() {
    const key = this.view && this.view.usageKey;
    if (!key)
      return 'No usage yet for this account: it has no Usage Account Key, so no ticket export can be matched to it. Set the key on the account, then ask RevOps to sync usage.';
    return `No usage yet for this account. Its weekly AI resolution share appears after RevOps syncs a ticket export that carries this account's usage key (${key}).`;
  }

  // ------------------------------------------------------------------ rule and chart

  /** the policy threshold as written ("0.40"), as the ratio the chart draws */
  get thresholdValue() {
    const n = Number.parseFloat(this.view && this.view.shareThreshold);
    return Number.isFinite(n) ? n : undefined;
  }

  get ruleText() {
    const v = this.view;
    return (
      `A week qualifies at ${formatPercent(v.shareThreshold)} AI resolution share or more on at least ` +
      `${plural(v.minWeeklyTickets, 'ticket', 'tickets')}; ${plural(v.requiredWeeks, 'week', 'weeks')} in a row fire ` +
      `a trigger, then ${plural(v.cooldownWeeks, 'week', 'weeks')} of cooldown.`
    );
  }

  get isShadowMode() {
    return Boolean(this.view) && String(this.view.mode).toLowerCase() === 'shadow';
  }

  get modeText() {
    return this.isShadowMode
      ? 'Shadow mode: triggers are recorded as "would have fired" and nobody is alerted.'
      : 'Live mode: a trigger opens and creates a follow-up task with the playbook.';
  }

  get streakText() {
    const s = this.view && this.view.streak;
    if (!s) return 'No qualifying streak';
    const cooldown = s.nextFireWeekStart
      ? `in cooldown after the trigger of ${s.lastFiredWeek || 'the latest week'}: the next can fire in the week of ${formatDate(
          s.nextFireWeekStart
        )} at the earliest`
      : '';
    const why = shortfallText(s, this.view);
    if (!s.length) {
      const text = why ? `No qualifying streak: ${why}` : 'No qualifying streak';
      return cooldown ? `${text}; ${cooldown}` : text;
    }
    const range = weekRange(s.startWeek, s.endWeek);
    const weeks = `${s.length} qualifying ${s.length === 1 ? 'week' : 'weeks'} in a row${range ? ` (${range})` : ''}`;
    if (s.length >= s.required) {
      return cooldown ? `${weeks}; ${cooldown}` : `${weeks}: enough to fire (${s.required} needed)`;
    }
    const text = `${weeks}, ${s.required} needed${why ? `; ${why}` : ''}`;
    return cooldown ? `${text}; ${cooldown}` : text;
  }

  get streakIcon() {
    return this.view && this.view.streak && this.view.streak.length ? 'utility:trending' : 'utility:dash';
  }

  // ------------------------------------------------------------------ latest trigger

  get trigger() {
    const latest = (this.view && this.view.latestTrigger) || null;
    if (!this.selectedTriggerId) return latest;
    const selected = ((this.view && this.view.triggers) || []).find((t) => t.id === this.selectedTriggerId);
    return selected || latest;
  }

  get isLatestShown() {
    const latest = this.view && this.view.latestTrigger;
    return !latest || !this.trigger || this.trigger.id === latest.id;
  }

  get isEarlierShown() {
    return !this.isLatestShown;
  }

  get triggerHeading() {
    return this.isLatestShown ? 'Latest trigger' : `Earlier trigger ${this.trigger.isoWeek}`;
  }

  get hasTrigger() {
    return Boolean(this.trigger);
  }

  get triggerModeText() {
    const mode = this.trigger.mode;
    if (mode === 'Shadow') return 'Shadow: would have fired, nobody was alerted';
    if (mode === 'Live') return 'Live: the account team was alerted';
    return mode || '—';
  }

  get firedText() {
    const t = this.trigger;
    return t.weekStart ? `${t.isoWeek} (week of ${formatDate(t.weekStart)})` : t.isoWeek;
  }

  get triggerShareText() {
    const t = this.trigger;
    return `${formatPercent(t.share)} AI resolution share on ${formatCount(t.ticketsTotal)} tickets`;
  }

  get evidenceRows() {
    return (this.trigger.evidenceWeeks || []).map((w) => ({
      key: w.isoWeek,
      isoWeek: w.isoWeek,
      weekStart: w.weekStart ? formatDate(w.weekStart) : '—',
      share: formatPercent(w.share),
      tickets: formatCount(w.ticketsTotal),
      aiResolved: formatCount(w.aiResolved)
    }));
  }

  get hasEvidence() {
    return this.evidenceRows.length > 0;
  }

  get thresholdsUsed() {
    const t = this.trigger;
    const weeks = (n) => (n === null || n === undefined ? '—' : plural(n, 'week', 'weeks'));
    return [
      {
        key: 'share',
        label: 'Share threshold',
        value: t.shareThreshold == null ? '—' : `${formatPercent(t.shareThreshold)} or more`
      },
      {
        key: 'tickets',
        label: 'Minimum tickets',
        value: t.minWeeklyTickets == null ? '—' : `${formatCount(t.minWeeklyTickets)} a week`
      },
      { key: 'weeks', label: 'Weeks in a row', value: weeks(t.requiredWeeks) },
      { key: 'cooldown', label: 'Cooldown', value: weeks(t.cooldownWeeks) }
    ].map((item) => ({ ...item, labelKey: `${item.key}-label` }));
  }

  get isDecided() {
    const t = this.trigger;
    return Boolean(
      t && (t.decidedDate || t.decisionReason || t.decidedByName || t.expansionOpportunityId || t.followUpTaskId)
    );
  }

  get decidedText() {
    const t = this.trigger;
    const who = t.decidedByName ? ` by ${t.decidedByName}` : '';
    const when = t.decidedDate ? ` on ${formatDate(t.decidedDate)}` : '';
    return `${t.status}${who}${when}`;
  }

  get opportunityUrl() {
    return recordUrl(this.trigger.expansionOpportunityId);
  }

  get opportunityLabel() {
    return this.trigger.expansionOpportunityName || this.trigger.expansionOpportunityId;
  }

  get taskUrl() {
    return recordUrl(this.trigger.followUpTaskId, 'Task');
  }

  get task() {
    return this.trigger.followUpTask || null;
  }

  get taskLabel() {
    const task = this.task;
    return (task && task.subject) || 'task with the playbook';
  }

  get taskDetails() {
    const task = this.task;
    if (!task) return '';
    const parts = [
      task.ownerName ? `owner ${task.ownerName}` : '',
      task.dueDate ? `due ${formatDate(task.dueDate)}` : '',
      task.status || ''
    ].filter(Boolean);
    return parts.join(', ');
  }

  get hasOpportunities() {
    return this.opportunityOptions.length > 1;
  }

  /** the account's open opportunities, and "none" first: accepting without one creates the follow-up task */
  get opportunityOptions() {
    const opportunities = (this.view && this.view.openOpportunities) || [];
    return [
      { label: 'None: create a follow-up task with the playbook', value: '' },
      ...opportunities.map((o) => {
        const details = [o.stageName, o.closeDate ? `closes ${formatDate(o.closeDate)}` : ''].filter(Boolean);
        return { label: details.length ? `${o.name} (${details.join(', ')})` : o.name, value: o.id };
      })
    ];
  }

  get canDecide() {
    return Boolean(this.trigger && this.trigger.canDecide);
  }

  // ------------------------------------------------------------------ earlier triggers

  get earlierTriggers() {
    const shownId = this.trigger ? this.trigger.id : null;
    const all = ((this.view && this.view.triggers) || []).filter((t) => t.id !== shownId);
    // undecided ones first, so none is cut off by the limit: every undecided trigger must be decidable
    const undecided = all.filter((t) => t.canDecide);
    const rest = all.filter((t) => !t.canDecide).slice(0, Math.max(0, MAX_EARLIER - undecided.length));
    return [...undecided, ...rest]
      .sort((a, b) => all.indexOf(a) - all.indexOf(b))
      .map((t) => ({
        key: t.id,
        id: t.id,
        isoWeek: t.isoWeek,
        status: t.status,
        mode: t.mode || '—',
        share: formatPercent(t.share),
        outcome: t.outcomeLabel || t.decisionReason || (t.canDecide ? 'Undecided' : '—'),
        canDecide: Boolean(t.canDecide),
        decideLabel: `Decide the trigger of ${t.isoWeek}`
      }));
  }

  get undecidedEarlierText() {
    const n = this.earlierTriggers.filter((t) => t.canDecide).length;
    return n
      ? `${plural(n, 'earlier trigger is', 'earlier triggers are')} still undecided: open one to decide it.`
      : '';
  }

  handleSelectTrigger(event) {
    this.selectedTriggerId = event.currentTarget.dataset.triggerId;
    this.opportunityIdValue = '';
    this.dismissReason = '';
    this.reasonError = undefined;
    this.actionError = undefined;
  }

  handleShowLatest() {
    this.selectedTriggerId = undefined;
    this.actionError = undefined;
  }

  get hasEarlierTriggers() {
    return this.earlierTriggers.length > 0;
  }

  // ------------------------------------------------------------------ actions

  handleOpportunityChange(event) {
    this.opportunityIdValue =
      event.detail && event.detail.value !== undefined ? event.detail.value : event.target.value;
  }

  handleReasonChange(event) {
    this.dismissReason = event.detail && event.detail.value !== undefined ? event.detail.value : event.target.value;
    if (this.reasonError && this.dismissReason && this.dismissReason.trim()) {
      this.reasonError = undefined;
      event.target.setCustomValidity('');
      // clear the message while typing: left until blur, it would vanish on the button's mousedown and move the
      // button away from the pointer, losing the click
      event.target.reportValidity();
    }
  }

  handleAccept() {
    const opportunityId = (this.opportunityIdValue || '').trim() || null;
    return this.run(
      acceptTrigger,
      { triggerId: this.trigger.id, opportunityId },
      'Trigger accepted',
      opportunityId ? 'It is linked to the expansion opportunity.' : 'A follow-up task with the playbook was created.'
    );
  }

  handleDismiss() {
    const reason = (this.dismissReason || '').trim();
    const textarea = this.template.querySelector('lightning-textarea[data-id="dismiss-reason"]');
    if (!reason) {
      this.reasonError = REASON_REQUIRED;
      if (textarea) {
        textarea.setCustomValidity(REASON_REQUIRED);
        textarea.reportValidity();
      }
      return Promise.resolve();
    }
    if (textarea) textarea.setCustomValidity('');
    return this.run(
      dismissTrigger,
      { triggerId: this.trigger.id, reason },
      'Trigger dismissed',
      'Your reason counts in the false-positive measurement.'
    );
  }

  async run(apexMethod, params, title, message) {
    this.saving = true;
    this.actionError = undefined;
    try {
      this.view = await apexMethod(params);
      this.opportunityIdValue = '';
      this.dismissReason = '';
      this.reasonError = undefined;
      this.dispatchEvent(new ShowToastEvent({ title, message, variant: 'success' }));
    } catch (error) {
      // the message stays; the refresh below shows what changed behind the page's back (e.g. decided elsewhere)
      this.actionError = errorText(error);
    } finally {
      this.saving = false;
    }
    if (this.wiredResult) {
      try {
        await refreshApex(this.wiredResult);
      } catch {
        // a failed refresh reaches wiredView as an error; the view the mutation returned stays on screen
      }
    }
  }
}
