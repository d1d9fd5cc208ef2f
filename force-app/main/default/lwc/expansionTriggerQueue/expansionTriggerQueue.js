import { LightningElement } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import getTriggerQueue from '@salesforce/apex/GtmExpansionQueueController.getTriggerQueue';
import acceptQueuedTrigger from '@salesforce/apex/GtmExpansionQueueController.acceptQueuedTrigger';
import dismissQueuedTrigger from '@salesforce/apex/GtmExpansionQueueController.dismissQueuedTrigger';
import snoozeTrigger from '@salesforce/apex/GtmExpansionQueueController.snoozeTrigger';
import { errorText } from 'c/gtmErrors';
import { formatDate, formatPercent as formatShare, plural } from 'c/gtmFormat';

/**
 * exp-005 for CS Ops, across accounts: every undecided (Shadow or Open) expansion trigger with its account, account
 * owner, fired week, share and age, sorted and filtered here; accept (linking an open opportunity of the account or
 * creating the owner's follow-up task), dismiss with a reason, or snooze until a day. Decisions run the same server
 * rule as the Account panel (GtmExpansionService.decide through GtmExpansionQueueController); this component only
 * lists, filters and formats. Contract: TriggerQueueView in scripts/contracts/panelContracts.ts.
 */

const NUMBER_FORMAT = new Intl.NumberFormat();
const ALL = 'all';
const NO_OWNER = '(no owner)';
const REASON_REQUIRED = 'Enter why this trigger is not an expansion opportunity before you dismiss it.';
const SNOOZE_DATE_REQUIRED = 'Choose the day the trigger comes back to the queue (after today).';

const formatPercent = (ratio) => formatShare(ratio, '—');
const formatCount = (n) => (n === null || n === undefined ? '—' : NUMBER_FORMAT.format(n));
const valueOf = (event) => (event.detail && event.detail.value !== undefined ? event.detail.value : event.target.value);

const SORTS = {
  age: (r) => (r.ageDays === null || r.ageDays === undefined ? -Infinity : r.ageDays),
  share: (r) => (r.share === null || r.share === undefined ? -Infinity : r.share),
  account: (r) => (r.accountName || '').toLowerCase(),
  owner: (r) => (r.ownerName || '').toLowerCase(),
  week: (r) => r.weekStart || r.isoWeek || ''
};

export default class ExpansionTriggerQueue extends LightningElement {
  queue;
  loadError;
  actionError;
  saving = false;

  statusFilter = ALL;
  ownerFilter = ALL;
  minAgeText = '';
  showSnoozed = false;
  sortBy = 'age';
  sortDescending = true;

  selectedId;
  opportunityId = '';
  dismissReason = '';
  snoozeUntil = '';
  formError;

  connectedCallback() {
    this.load();
  }

  async load() {
    try {
      this.queue = await getTriggerQueue({});
      this.loadError = undefined;
    } catch (error) {
      this.loadError = error;
    }
  }

  // ------------------------------------------------------------------ state

  get isLoading() {
    return !this.queue && !this.loadError;
  }

  /** one banner: a failed decision's message, else a failed load */
  get errorMessage() {
    if (this.actionError) return this.actionError;
    return this.loadError ? `The trigger queue could not be loaded. ${errorText(this.loadError)}` : '';
  }

  get allRows() {
    return (this.queue && this.queue.rows) || [];
  }

  get snoozedCount() {
    return this.allRows.filter((r) => r.snoozed).length;
  }

  get summaryText() {
    const total = this.allRows.length;
    const shown = this.rows.length;
    const snoozed = this.snoozedCount;
    const parts = [`${plural(total, 'undecided trigger', 'undecided triggers')}`];
    if (snoozed) parts.push(`${snoozed} snoozed${this.showSnoozed ? '' : ' (hidden)'}`);
    return `${parts.join(', ')}; ${shown} shown.`;
  }

  // ------------------------------------------------------------------ filters and sort

  get statusOptions() {
    return [
      { label: 'Shadow and Open', value: ALL },
      { label: 'Shadow', value: 'Shadow' },
      { label: 'Open', value: 'Open' }
    ];
  }

  get ownerOptions() {
    const owners = [...new Set(this.allRows.map((r) => r.ownerName || NO_OWNER))].sort((a, b) => a.localeCompare(b));
    return [{ label: 'All owners', value: ALL }, ...owners.map((o) => ({ label: o, value: o }))];
  }

  get sortOptions() {
    return [
      { label: 'Age', value: 'age' },
      { label: 'AI resolution share', value: 'share' },
      { label: 'Account', value: 'account' },
      { label: 'Account owner', value: 'owner' },
      { label: 'Fired week', value: 'week' }
    ];
  }

  get sortDirectionLabel() {
    return this.sortDescending ? 'Descending' : 'Ascending';
  }

  get sortDirectionIcon() {
    return this.sortDescending ? 'utility:arrowdown' : 'utility:arrowup';
  }

  get minAgeDays() {
    const n = Number.parseInt(this.minAgeText, 10);
    return Number.isFinite(n) && n >= 0 ? n : null;
  }

  handleStatusFilter(event) {
    this.statusFilter = valueOf(event);
  }

  handleOwnerFilter(event) {
    this.ownerFilter = valueOf(event);
  }

  handleMinAge(event) {
    this.minAgeText = valueOf(event) || '';
  }

  handleShowSnoozed(event) {
    this.showSnoozed = Boolean(event.target.checked);
  }

  handleSortBy(event) {
    this.sortBy = valueOf(event);
  }

  handleSortDirection() {
    this.sortDescending = !this.sortDescending;
  }

  get rows() {
    const minAge = this.minAgeDays;
    const key = SORTS[this.sortBy] || SORTS.age;
    const direction = this.sortDescending ? -1 : 1;
    return this.allRows
      .filter((r) => this.showSnoozed || !r.snoozed)
      .filter((r) => this.statusFilter === ALL || r.status === this.statusFilter)
      .filter((r) => this.ownerFilter === ALL || (r.ownerName || NO_OWNER) === this.ownerFilter)
      .filter((r) => minAge === null || (r.ageDays !== null && r.ageDays !== undefined && r.ageDays >= minAge))
      .map((r, i) => ({ r, i }))
      .sort((a, b) => {
        const x = key(a.r);
        const y = key(b.r);
        if (x < y) return -direction;
        if (x > y) return direction;
        return a.i - b.i;
      })
      .map(({ r }) => this.rowView(r));
  }

  rowView(r) {
    const selected = r.id === this.selectedId;
    return {
      ...r,
      key: r.id,
      detailKey: `${r.id}-decide`,
      accountUrl: `/lightning/r/Account/${r.accountId}/view`,
      owner: r.ownerName || NO_OWNER,
      fired: r.weekStart ? `${r.isoWeek} (week of ${formatDate(r.weekStart)})` : r.isoWeek,
      age: r.ageDays === null || r.ageDays === undefined ? '—' : plural(r.ageDays, 'day', 'days'),
      shareText: formatPercent(r.share),
      ticketsText: `${formatCount(r.ticketsTotal)} tickets`,
      snoozedText: r.snoozedUntil ? `Snoozed until ${formatDate(r.snoozedUntil)}` : '',
      selected,
      decideLabel: selected ? 'Close' : 'Decide',
      decideTitle: `${selected ? 'Close the decision for' : 'Decide'} ${r.accountName} ${r.isoWeek}`,
      opportunityOptions: [
        { label: 'None: create a follow-up task with the playbook', value: '' },
        ...(r.opportunities || []).map((o) => ({
          label: o.stageName ? `${o.name} (${o.stageName})` : o.name,
          value: o.id
        }))
      ],
      hasOpportunities: (r.opportunities || []).length > 0
    };
  }

  get hasRows() {
    return this.rows.length > 0;
  }

  get emptyText() {
    return this.allRows.length
      ? 'No trigger matches these filters.'
      : 'No undecided expansion triggers: every trigger has been accepted or dismissed.';
  }

  get playbook() {
    return (this.queue && this.queue.playbook) || '';
  }

  get tomorrow() {
    const today = this.queue && this.queue.today;
    if (!today) return undefined;
    const d = new Date(`${today}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString().slice(0, 10);
  }

  // ------------------------------------------------------------------ decisions

  handleToggle(event) {
    const id = event.currentTarget.dataset.triggerId;
    this.selectedId = this.selectedId === id ? undefined : id;
    this.opportunityId = '';
    this.dismissReason = '';
    this.snoozeUntil = '';
    this.formError = undefined;
    this.actionError = undefined;
  }

  handleOpportunity(event) {
    this.opportunityId = valueOf(event) || '';
  }

  handleReason(event) {
    this.dismissReason = valueOf(event) || '';
    if (this.formError === REASON_REQUIRED && this.dismissReason.trim()) this.formError = undefined;
  }

  handleSnoozeDate(event) {
    this.snoozeUntil = valueOf(event) || '';
    if (this.formError === SNOOZE_DATE_REQUIRED && this.snoozeUntil) this.formError = undefined;
  }

  handleAccept() {
    const opportunityId = this.opportunityId || null;
    return this.run(
      acceptQueuedTrigger,
      { triggerId: this.selectedId, opportunityId },
      'Trigger accepted',
      opportunityId ? 'It is linked to the opportunity.' : 'A follow-up task with the playbook was created.'
    );
  }

  handleDismiss() {
    const reason = this.dismissReason.trim();
    if (!reason) {
      this.formError = REASON_REQUIRED;
      return Promise.resolve();
    }
    return this.run(
      dismissQueuedTrigger,
      { triggerId: this.selectedId, reason },
      'Trigger dismissed',
      'Your reason counts in the false-positive measurement.'
    );
  }

  handleSnooze() {
    const today = this.queue && this.queue.today;
    if (!this.snoozeUntil || (today && this.snoozeUntil <= today)) {
      this.formError = SNOOZE_DATE_REQUIRED;
      return Promise.resolve();
    }
    return this.run(
      snoozeTrigger,
      { triggerId: this.selectedId, snoozedUntil: this.snoozeUntil },
      'Trigger snoozed',
      `It comes back to the queue on ${formatDate(this.snoozeUntil)}.`
    );
  }

  async run(apexMethod, params, title, message) {
    this.saving = true;
    this.actionError = undefined;
    this.formError = undefined;
    try {
      this.queue = await apexMethod(params);
      this.loadError = undefined;
      this.selectedId = undefined;
      this.opportunityId = '';
      this.dismissReason = '';
      this.snoozeUntil = '';
      this.dispatchEvent(new ShowToastEvent({ title, message, variant: 'success' }));
    } catch (error) {
      this.actionError = errorText(error);
      // what changed behind the page (decided elsewhere) shows; a failed reload keeps the list and this one message
      try {
        this.queue = await getTriggerQueue({});
      } catch {
        // the decision's message already says what went wrong
      }
    } finally {
      this.saving = false;
    }
  }
}
