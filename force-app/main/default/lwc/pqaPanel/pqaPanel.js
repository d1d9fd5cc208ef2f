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
    ? `${signal.arm} (matched with ${signal.matchedPairKey}: matched, not randomized)`
    : signal.arm;
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
    const sla = this.sla;
    return Boolean(sla && !sla.closed && !sla.firstTouchAt && !this.signals[0].disqualifiedAt);
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
    return 'Not routed yet: the routing runs when the signal is written (gtm routing simulate shows whom it would pick).';
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

  get reasonText() {
    return (this.assignment && this.assignment.reason) || '';
  }

  get candidates() {
    return ((this.assignment && this.assignment.candidates) || []).map((c) => ({
      ...c,
      key: c.userId,
      rowClass: c.chosen ? 'slds-hint-parent pqa-chosen' : 'slds-hint-parent',
      loadText:
        c.load === null || c.load === undefined ? '—' : `(${c.assignments} − ${c.credits}) / ${c.weight} = ${c.load}`,
      weekText:
        c.weeklyCap === null || c.weeklyCap === undefined
          ? `${c.weekCount}, no cap`
          : `${c.weekCount} of ${c.weeklyCap}`,
      eligibleText: c.chosen ? `${c.reason}: chosen` : c.reason
    }));
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

  get slaClockText() {
    const s = this.sla;
    const hours = `${formatNumber(s.slaHours)} business ${s.slaHours === 1 ? 'hour' : 'hours'}`;
    const where = s.businessHoursName ? ` (${s.businessHoursName} business hours)` : '';
    if (s.closed) {
      const touch = s.firstTouchAt ? `; first touch ${formatInstant(s.firstTouchAt)}` : '; no qualifying touch';
      return `${s.status}: the clock has stopped${touch}. SLA ${hours}${where}.`;
    }
    const m = s.businessMinutesToDue;
    if (m === null || m === undefined) return `${s.status}: SLA ${hours}${where}.`;
    const left =
      m >= 0
        ? `${formatBusinessTime(m)} of business time left`
        : `overdue by ${formatBusinessTime(m)} of business time`;
    return `${s.status}: ${left} (SLA ${hours}${where}).`;
  }

  get slaTimes() {
    const s = this.sla;
    return [
      { key: 'warning', labelKey: 'warning-label', label: 'Warning at', value: formatInstant(s.warningAt) || '—' },
      { key: 'due', labelKey: 'due-label', label: 'Due', value: formatInstant(s.dueAt) || '—' },
      {
        key: 'reassign',
        labelKey: 'reassign-label',
        label: 'Reassigned at',
        value: formatInstant(s.reassignAt) || '—'
      },
      {
        key: 'touch',
        labelKey: 'touch-label',
        label: 'First touch',
        value: formatInstant(s.firstTouchAt) || 'none yet'
      }
    ];
  }

  get escalationText() {
    const n = this.assignment ? this.assignment.escalations : 0;
    return n ? `${n} ${n === 1 ? 'escalation' : 'escalations'}` : 'No escalations';
  }

  get transitions() {
    return ((this.assignment && this.assignment.transitions) || []).map((t, i) => ({
      key: `${i}`,
      text: `${t.fromStatus} → ${t.toStatus}, ${formatInstant(t.at)}${t.actor ? `, by ${t.actor}` : ''}`
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
