import { LightningElement, api, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import getPacketStatus from '@salesforce/apex/GtmSecurityPacketController.getPacketStatus';
import markPacketSent from '@salesforce/apex/GtmSecurityPacketController.markPacketSent';
import recordReviewCompleted from '@salesforce/apex/GtmSecurityPacketController.recordReviewCompleted';
import recordReviewBlocked from '@salesforce/apex/GtmSecurityPacketController.recordReviewBlocked';
import { errorText } from 'c/gtmErrors';
import { formatDate, plural } from 'c/gtmFormat';

/**
 * exp-002 security-first sequence on the Opportunity record page: the security packet's review stage, NDA, each
 * required collateral item judged against this opportunity's close date, and the review cycle time against the
 * program target (28 -> 17 days) with the days spent in each stage.
 *
 * Every verdict (collateral status, collateralCurrent, cycle state, days, onTarget, stage spans) is computed by
 * GtmSecurityPacketController (PacketView in scripts/contracts/panelContracts.ts); this component only puts them
 * into words. Mutations return the fresh view, which is shown at once; the wired view is then refreshed.
 */

const STATUS_ICONS = {
  current: { iconName: 'utility:success', iconVariant: 'success', iconLabel: 'Current' },
  expires_before_close: { iconName: 'utility:warning', iconVariant: 'warning', iconLabel: 'Warning' },
  expired: { iconName: 'utility:error', iconVariant: 'error', iconLabel: 'Expired' },
  missing: { iconName: 'utility:ban', iconVariant: 'error', iconLabel: 'Missing' }
};

const REASON_REQUIRED = 'Enter why the review is blocked, so the next person knows what to resolve.';

export default class SecurityPacketStatus extends LightningElement {
  @api recordId;

  /** the latest PacketView: from the wire, or returned by a mutation */
  view;
  loadError;
  actionError;
  saving = false;
  showBlockForm = false;
  blockReason = '';
  reasonError;
  wiredResult;
  focusReason = false;

  @wire(getPacketStatus, { opportunityId: '$recordId' })
  wiredPacket(result) {
    this.wiredResult = result;
    if (result.data) {
      this.view = result.data;
      this.loadError = undefined;
    } else if (result.error) {
      this.loadError = result.error;
    }
  }

  renderedCallback() {
    if (this.focusReason) {
      const textarea = this.template.querySelector('lightning-textarea[data-id="blocked-reason"]');
      if (textarea && typeof textarea.focus === 'function') {
        this.focusReason = false;
        textarea.focus();
      }
    }
  }

  // ------------------------------------------------------------------ state

  get isLoading() {
    return !this.view && !this.loadError;
  }

  get loadErrorText() {
    return this.loadError ? `The security packet could not be loaded. ${errorText(this.loadError)}` : '';
  }

  get hasPacket() {
    return Boolean(this.view && this.view.packetId);
  }

  get canEdit() {
    return Boolean(this.view && this.view.canEdit);
  }

  /** A completed review has nothing left to record (the server refuses it too). */
  get reviewCompleted() {
    return Boolean(this.view && this.view.completedDate);
  }

  get showActions() {
    return this.canEdit && !this.reviewCompleted;
  }

  get showReadOnlyNote() {
    return Boolean(this.view) && !this.view.canEdit;
  }

  // ------------------------------------------------------------------ packet

  get reviewStageLabel() {
    return (this.view && this.view.reviewStage) || 'Not started';
  }

  get ndaText() {
    return this.view && this.view.ndaSigned ? 'NDA signed' : 'NDA not signed';
  }

  get ndaIcon() {
    return this.view && this.view.ndaSigned ? 'utility:check' : 'utility:close';
  }

  get ndaIconVariant() {
    return this.view && this.view.ndaSigned ? 'success' : 'warning';
  }

  get closeDateText() {
    return this.view && this.view.closeDate ? formatDate(this.view.closeDate) : 'not set';
  }

  // ------------------------------------------------------------------ collateral

  get collateralRows() {
    const items = (this.view && this.view.collateral) || [];
    return items.map((item, i) => ({
      key: `${item.type}-${i}`,
      type: item.type,
      documentUrl: item.documentUrl,
      documentLabel: `${item.type} (opens the document)`,
      version: item.version || '—',
      validUntil: item.validUntil ? formatDate(item.validUntil) : '—',
      status: item.status,
      statusText: this.statusText(item),
      ...(STATUS_ICONS[item.status] || { iconName: 'utility:info', iconVariant: '', iconLabel: 'Status' })
    }));
  }

  statusText(item) {
    const until = formatDate(item.validUntil);
    switch (item.status) {
      case 'current':
        return 'Current through close';
      case 'expires_before_close':
        return this.view.closeDate
          ? `Expires ${until}, before close ${formatDate(this.view.closeDate)}`
          : `Expires ${until}, before close`;
      case 'expired':
        return until ? `Expired ${until}` : 'Expired';
      case 'missing':
        return 'Missing';
      default:
        return item.status;
    }
  }

  get hasCollateral() {
    return this.collateralRows.length > 0;
  }

  get isEnterprise() {
    return Boolean(this.view && this.view.enterprise);
  }

  get blockingCount() {
    return ((this.view && this.view.collateral) || []).filter((c) => c.status !== 'current').length;
  }

  get enterpriseText() {
    if (this.view.collateralCurrent) return 'Collateral current for this deal';
    const n = this.blockingCount;
    if (n === 0) return 'Collateral is not current for this deal: it blocks an enterprise proposal';
    return `${plural(n, 'item blocks', 'items block')} an enterprise proposal`;
  }

  get enterpriseIcon() {
    return this.view.collateralCurrent ? 'utility:success' : 'utility:warning';
  }

  get enterpriseIconVariant() {
    return this.view.collateralCurrent ? 'success' : 'warning';
  }

  get segmentText() {
    const segment = this.view && this.view.segment ? `${this.view.segment} segment` : 'No segment';
    return `${segment}: collateral does not gate the proposal stage for this deal.`;
  }

  // ------------------------------------------------------------------ review cycle

  get cycle() {
    return (this.view && this.view.cycle) || { state: 'not_requested', stages: [] };
  }

  get cycleText() {
    const c = this.cycle;
    switch (c.state) {
      case 'completed':
        return `Completed in ${plural(c.days, 'day', 'days')} (target ${c.targetDays})`;
      case 'in_progress':
      case 'blocked':
        return `Day ${c.days} of review (target ${c.targetDays} days, baseline ${c.baselineDays})`;
      default:
        return `Review not requested yet (target ${c.targetDays} days, baseline ${c.baselineDays})`;
    }
  }

  get targetText() {
    const c = this.cycle;
    if (c.onTarget === true) {
      if (c.state === 'completed') return 'On target';
      const left = c.targetDays - c.days;
      return `On target: ${plural(left, 'day', 'days')} left`;
    }
    if (c.onTarget === false) return `Over target by ${plural(c.days - c.targetDays, 'day', 'days')}`;
    return '';
  }

  get targetIcon() {
    return this.cycle.onTarget ? 'utility:success' : 'utility:clock';
  }

  get targetIconVariant() {
    return this.cycle.onTarget ? 'success' : 'warning';
  }

  get hasTargetText() {
    return this.targetText !== '';
  }

  get stageRows() {
    return (this.cycle.stages || []).map((s) => ({
      key: s.stage,
      stage: s.stage,
      start: formatDate(s.startDate),
      end: s.endDate ? formatDate(s.endDate) : 'Ongoing',
      days: plural(s.days, 'day', 'days')
    }));
  }

  get hasStages() {
    return this.stageRows.length > 0;
  }

  get isBlocked() {
    return this.cycle.state === 'blocked';
  }

  get blockedText() {
    const since = this.view.blockedDate ? ` since ${formatDate(this.view.blockedDate)}` : '';
    const reason = this.view.blockedReason || 'no reason recorded';
    return `Review blocked${since}: ${reason}`;
  }

  // ------------------------------------------------------------------ actions

  handleMarkSent() {
    return this.run(
      markPacketSent,
      { opportunityId: this.recordId },
      'Packet marked sent',
      'The review clock is running.'
    );
  }

  handleCompleted() {
    return this.run(
      recordReviewCompleted,
      { opportunityId: this.recordId },
      'Review completed',
      'The review cycle time is recorded.'
    );
  }

  handleShowBlockForm() {
    this.showBlockForm = true;
    this.reasonError = undefined;
    this.focusReason = true;
  }

  handleCancelBlock() {
    this.showBlockForm = false;
    this.blockReason = '';
    this.reasonError = undefined;
  }

  handleReasonChange(event) {
    this.blockReason = event.detail && event.detail.value !== undefined ? event.detail.value : event.target.value;
    if (this.reasonError && this.blockReason && this.blockReason.trim()) {
      this.reasonError = undefined;
      event.target.setCustomValidity('');
      // clear the message while typing: left until blur, it would vanish on the button's mousedown and move the
      // button away from the pointer, losing the click
      event.target.reportValidity();
    }
  }

  handleSubmitBlocked() {
    const reason = (this.blockReason || '').trim();
    const textarea = this.template.querySelector('lightning-textarea[data-id="blocked-reason"]');
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
      recordReviewBlocked,
      { opportunityId: this.recordId, reason },
      'Review marked blocked',
      'The reason is on the packet.'
    );
  }

  async run(apexMethod, params, title, message) {
    this.saving = true;
    this.actionError = undefined;
    try {
      this.view = await apexMethod(params);
      this.showBlockForm = false;
      this.blockReason = '';
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
        // a failed refresh reaches wiredPacket as an error; the view the mutation returned stays on screen
      }
    }
  }
}
