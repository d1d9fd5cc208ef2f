import { LightningElement, api, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import getPqaView from '@salesforce/apex/GtmPqaPanelController.getPqaView';
import disqualify from '@salesforce/apex/GtmPqaPanelController.disqualify';
import logTouch from '@salesforce/apex/GtmPqaPanelController.logTouch';
import { errorText } from 'c/gtmErrors';
import { formatDate, formatNumber } from 'c/gtmFormat';

/**
 * exp-001 on the Account record page: the account's product-qualified signals with the evidence they qualified on
 * (each value next to the policy threshold it crossed), the arm, whom the routing rule gave it and why (every pool
 * member considered, with picks, credits, weight, load, weekly count and why eligible or not), the first-touch SLA
 * in the pool's business hours, its transitions and escalations, and the cooldown after a disqualification.
 *
 * Every verdict comes from GtmPqaPanelController (PqaView in scripts/contracts/pqaContracts.ts); this component
 * only puts it into words.
 */

const INSTANT_FORMAT = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  timeZoneName: 'short'
});

/** An ISO instant in the user's time zone ("Mar 9, 2026, 10:00 AM EDT"); '' when empty. */
export function formatInstant(value) {
  if (!value) return '';
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? INSTANT_FORMAT.format(new Date(ms)) : String(value);
}

/** Business minutes as "2 h 05 min" (never negative: the caller says left or overdue). */
export function formatBusinessTime(minutes) {
  const m = Math.abs(Math.trunc(minutes));
  const h = Math.floor(m / 60);
  const rest = m % 60;
  if (!h) return `${rest} min`;
  return rest ? `${h} h ${String(rest).padStart(2, '0')} min` : `${h} h`;
}

const STATUS_THEMES = {
  Met: 'slds-theme_success',
  Pending: 'slds-theme_info',
  Warning: 'slds-theme_warning',
  Breached: 'slds-theme_error',
  Escalated: 'slds-theme_error',
  Reassigned: 'slds-theme_warning',
  Excluded: 'slds-theme_shade'
};

function evidenceText(e) {
  const threshold = e.threshold === null || e.threshold === undefined ? '' : formatNumber(e.threshold);
  if (e.value === null || e.value === undefined)
    return `${e.metric}: not reported by the source${threshold ? ` (threshold ${threshold}, not applied)` : ''}`;
  const relation = e.met ? '≥' : '<';
  return `${e.metric}: ${formatNumber(e.value)} ${relation} ${threshold} ${e.met ? '(met)' : '(not met)'}`;
}

function armText(signal) {
  if (!signal.arm) return '—';
  return signal.matchedPairKey
    ? `${signal.arm} (paired with ${signal.matchedPairKey}: matched, not randomized)`
    : signal.arm;
}

/** The sweeps record themselves by their code names (the CLI's and the Apex job's); a person reads one name. */
const SWEEP_ACTORS = { 'gtm routing sweep': 'the SLA sweep', GtmSlaSweep: 'the SLA sweep' };

const USER_ID = /\b005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?\b/g;
const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z\b/g;
const FIXED_DECIMAL = /\b\d+\.\d{2,}\b/g;

/**
 * The routing rule's stored reasons are written for the record ("would have gone to 005…", "away until
 * 2026-03-16T13:00:00Z", "load 1.5000"): in the panel a user id reads as the member's name, an instant in the user's
 * time zone and a load without padding zeros.
 */
export function readableReason(text, names) {
  if (!text) return '';
  return String(text)
    .replace(USER_ID, (id) => (names && names.get(id)) || id)
    .replace(ISO_INSTANT, (at) => formatInstant(at))
    .replace(FIXED_DECIMAL, (n) => formatNumber(n));
}

export default class PqaPanel extends LightningElement {
  @api recordId;

  view;
  loadError;
  wiredResult;
  /** the disqualify form is open */
  disqualifying = false;
  reason = '';
  reasonError = '';
  actionError = '';
  /** why the last "log the touch" failed, shown beside its buttons */
  touchError = '';
  saving = false;

  @wire(getPqaView, { accountId: '$recordId' })
  wiredView(result) {
    this.wiredResult = result;
    if (result.data) {
      this.view = result.data;
      this.loadError = undefined;
    } else if (result.error) {
      this.loadError = result.error;
    }
  }

  get canDisqualify() {
    return this.hasSignal && !this.signals[0].disqualifiedAt && !this.disqualifying;
  }

  handleDisqualifyOpen() {
    this.disqualifying = true;
    this.reason = '';
    this.reasonError = '';
    this.actionError = '';
  }

  handleDisqualifyCancel() {
    this.disqualifying = false;
  }

  handleReason(event) {
    this.reason = event.target.value || '';
  }

  async handleDisqualify() {
    if (!this.reason.trim()) {
      this.reasonError = 'Enter why this account is not a PQA before you disqualify it.';
      return;
    }
    this.reasonError = '';
    this.saving = true;
    try {
      this.view = await disqualify({ signalId: this.signals[0].id, reason: this.reason.trim() });
      this.disqualifying = false;
      this.actionError = '';
      refreshApex(this.wiredResult);
    } catch (error) {
      this.actionError = `The PQA was not disqualified. ${errorText(error)}`;
    } finally {
      this.saving = false;
    }
  }

  /** the newest PQA's SLA is open and untouched, and the PQA stands: its owner can log the first touch */
  get canLogTouch() {
    return Boolean(this.sla && !this.slaStopped);
  }

  async handleLogTouch(event) {
    const kind = event.target.dataset.kind;
    this.touchError = '';
    this.saving = true;
    try {
      this.view = await logTouch({ signalId: this.signals[0].id, kind, note: null });
      refreshApex(this.wiredResult);
    } catch (error) {
      this.touchError = `The touch was not logged. ${errorText(error)}`;
    } finally {
      this.saving = false;
    }
  }

  get isLoading() {
    return !this.view && !this.loadError;
  }

  get loadErrorText() {
    return this.loadError ? `PQA routing could not be loaded. ${errorText(this.loadError)}` : '';
  }

  get signals() {
    return (this.view && this.view.signals) || [];
  }

  get hasSignal() {
    return this.signals.length > 0;
  }

  /** the newest signal, in full */
  get signal() {
    const s = this.signals[0];
    return {
      ...s,
      qualifiedText: formatInstant(s.qualifiedAt),
      scoreText: s.score === null || s.score === undefined ? '—' : formatNumber(s.score),
      armText: armText(s),
      stratumText: s.stratum || '—',
      sourceText: s.source || '—',
      evidence: (s.evidence || []).map((e, i) => ({
        key: `${i}`,
        text: evidenceText(e),
        icon: e.met ? 'utility:success' : 'utility:dash',
        iconLabel: e.met ? 'met' : 'not applied'
      }))
    };
  }

  get disqualifiedText() {
    const s = this.signals[0];
    if (!s || !s.disqualifiedAt) return '';
    const cooldown = s.cooldownUntil ? `; no new PQA for this account before ${formatDate(s.cooldownUntil)}` : '';
    return `Disqualified ${formatInstant(s.disqualifiedAt)}: ${s.disqualifiedReason || 'no reason recorded'}${cooldown}`;
  }

  get assignment() {
    return this.hasSignal ? this.signals[0].assignment || null : null;
  }

  get hasAssignment() {
    return Boolean(this.assignment);
  }

  get notRoutedText() {
    return 'Not routed yet: the routing rule picks an owner when the signal is written.';
  }

  get isControl() {
    return Boolean(this.assignment) && this.assignment.arm !== 'Treatment';
  }

  get ownerText() {
    const a = this.assignment;
    if (this.isControl) return 'Control: business as usual, no owner from the rule and no SLA (shadow only)';
    if (a.decision === 'Fallback') return `Fallback queue ${a.queue || '—'}: no pool member was eligible (escalated)`;
    const how = a.decision === 'Precedence' ? 'owner precedence' : 'the pool rule';
    return `${a.ownerName || a.ownerId || '—'}, by ${how}, ${formatInstant(a.routedAt)}`;
  }

  /** pool members' names by user id, for the stored reasons */
  get memberNames() {
    const names = new Map();
    for (const c of (this.assignment && this.assignment.candidates) || [])
      if (c.userName) names.set(c.userId, c.userName);
    if (this.assignment && this.assignment.ownerId && this.assignment.ownerName)
      names.set(this.assignment.ownerId, this.assignment.ownerName);
    return names;
  }

  get reasonText() {
    return readableReason(this.assignment && this.assignment.reason, this.memberNames);
  }

  get candidates() {
    const names = this.memberNames;
    return ((this.assignment && this.assignment.candidates) || []).map((c) => {
      const reason = readableReason(c.reason, names);
      return {
        ...c,
        key: c.userId,
        rowClass: c.chosen ? 'slds-hint-parent pqa-chosen' : 'slds-hint-parent',
        loadText:
          c.load === null || c.load === undefined
            ? '—'
            : `(${c.assignments} − ${c.credits}) / ${formatNumber(c.weight)} = ${formatNumber(c.load)}`,
        weekText:
          c.weeklyCap === null || c.weeklyCap === undefined
            ? `${c.weekCount}, no cap`
            : `${c.weekCount} of ${c.weeklyCap}`,
        eligibleText: c.chosen ? `${reason}: chosen` : reason
      };
    });
  }

  get hasCandidates() {
    return this.candidates.length > 0;
  }

  get sla() {
    return (this.assignment && this.assignment.sla) || null;
  }

  get hasSla() {
    return Boolean(this.sla);
  }

  get slaBadgeClass() {
    return `slds-badge ${STATUS_THEMES[this.sla.status] || ''}`;
  }

  /**
   * Nothing moves the clock any more: a final status, or a Breached one that was touched late or disqualified (the
   * rule then never reassigns it, GtmSlaRule / slaRule.ts), though its status stays Breached.
   */
  get slaStopped() {
    const s = this.sla;
    return Boolean(s.closed || s.firstTouchAt || this.signals[0].disqualifiedAt);
  }

  get slaClockText() {
    const s = this.sla;
    const hours = `${formatNumber(s.slaHours)} business ${s.slaHours === 1 ? 'hour' : 'hours'}`;
    const terms = `SLA ${hours}${s.businessHoursName ? `, ${s.businessHoursName} business hours` : ''}`;
    if (this.slaStopped) {
      if (!s.closed && !s.firstTouchAt)
        return `${s.status}: the clock stopped when the PQA was disqualified. ${terms}.`;
      const touch = s.firstTouchAt ? `first touch ${formatInstant(s.firstTouchAt)}` : 'no qualifying touch';
      return `${s.status}: the clock has stopped; ${touch}. ${terms}.`;
    }
    const m = s.businessMinutesToDue;
    if (m === null || m === undefined) return `${s.status}: ${terms}.`;
    const left =
      m >= 0
        ? `${formatBusinessTime(m)} of business time left`
        : `overdue by ${formatBusinessTime(m)} of business time`;
    return `${s.status}: ${left} (${terms}).`;
  }

  /** the reassignment's due time reads as ahead while the clock runs, as the due time once reassigned, else not at all */
  get reassignLabel() {
    if (this.sla.status === 'Reassigned') return 'Reassignment due';
    return this.slaStopped ? null : 'Reassigns at';
  }

  /** when the sweep reassigned it (its transition, the same time as the new owner's routing), not when it fell due */
  get reassignedAt() {
    const log = (this.assignment && this.assignment.transitions) || [];
    const done = log.filter((t) => t.toStatus === 'Reassigned').pop();
    return done ? done.at : null;
  }

  get slaTimes() {
    const s = this.sla;
    const times = [
      { key: 'warning', labelKey: 'warning-label', label: 'Warning at', value: formatInstant(s.warningAt) || '—' },
      { key: 'due', labelKey: 'due-label', label: 'Due', value: formatInstant(s.dueAt) || '—' }
    ];
    if (this.reassignLabel)
      times.push({
        key: 'reassign',
        labelKey: 'reassign-label',
        label: this.reassignLabel,
        value: formatInstant(s.reassignAt) || '—'
      });
    if (this.sla.status === 'Reassigned')
      times.push({
        key: 'reassigned',
        labelKey: 'reassigned-label',
        label: 'Reassigned at',
        value: formatInstant(this.reassignedAt) || '—'
      });
    times.push({
      key: 'touch',
      labelKey: 'touch-label',
      label: 'First touch',
      value: formatInstant(s.firstTouchAt) || 'none yet'
    });
    return times;
  }

  get escalationText() {
    const n = this.assignment ? this.assignment.escalations : 0;
    return n ? `${n} ${n === 1 ? 'escalation' : 'escalations'}` : 'No escalations';
  }

  get transitions() {
    return ((this.assignment && this.assignment.transitions) || []).map((t, i) => ({
      key: `${i}`,
      text: `${t.fromStatus} → ${t.toStatus}, ${formatInstant(t.at)}${
        t.actor ? `, by ${SWEEP_ACTORS[t.actor] || t.actor}` : ''
      }`
    }));
  }

  get hasTransitions() {
    return this.transitions.length > 0;
  }

  get workflowText() {
    const a = this.assignment;
    if (!a || !a.workflowResult) return '';
    return a.workflowResult === 'OK'
      ? 'Workflow: routed without error'
      : `Workflow failed: ${a.workflowFailure || 'no reason recorded'}`;
  }

  get outcomeText() {
    const a = this.assignment;
    if (!a || !a.outcomeWindowEnd) return '';
    if (a.pilotStartedAt)
      return `Pilot started ${formatInstant(a.pilotStartedAt)} (outcome window to ${formatInstant(a.outcomeWindowEnd)})`;
    const closed = Date.parse(a.outcomeWindowEnd) <= Date.parse(this.view.now);
    return closed
      ? `Outcome window closed ${formatInstant(a.outcomeWindowEnd)}: no pilot started in it`
      : `Outcome window open to ${formatInstant(a.outcomeWindowEnd)}; no pilot yet`;
  }

  get earlier() {
    return this.signals.slice(1).map((s) => ({
      key: s.id,
      text: `${s.week}: ${s.arm || 'no arm'}${
        s.assignment && s.assignment.sla ? `, SLA ${s.assignment.sla.status}` : ''
      }${s.disqualifiedAt ? ', disqualified' : ''}`
    }));
  }

  get hasEarlier() {
    return this.earlier.length > 0;
  }
}
