import { LightningElement, api, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import { MessageContext } from 'lightning/messageService';
import getPacketStatus from '@salesforce/apex/GtmSecurityPacketController.getPacketStatus';
import markPacketSent from '@salesforce/apex/GtmSecurityPacketController.markPacketSent';
import recordReviewCompleted from '@salesforce/apex/GtmSecurityPacketController.recordReviewCompleted';
import recordReviewBlocked from '@salesforce/apex/GtmSecurityPacketController.recordReviewBlocked';
import { errorText } from 'c/gtmErrors';
import { countOf, formatCount, formatDate } from 'c/gtmFormat';
import { announceChange, listenForChanges, stopListening } from 'c/gtmRecordSync';

/**
 * exp-002 security-first sequence on the Opportunity record page: the security packet's review stage, NDA, each
 * required collateral item judged against this opportunity's close date, and the review cycle time against the
 * program target (28 -> 17 days) with the days spent in each stage.
 *
 * Every verdict (collateral status, collateralCurrent, cycle state, days, onTarget, byException, the steps the stage
 * allows, past the proposal gate) is computed by GtmSecurityPacketController (PacketView in
 * scripts/contracts/panelContracts.ts); this component only puts them into words, asks for the reasons the server
 * requires (a step back, a completion by exception, a block) and confirms a send with collateral missing. Mutations
 * return the fresh view, which is shown at once; the wired view is then refreshed. Dates and counts go through
 * c/gtmFormat. The layout holds in a 400 px sidebar: fixed-layout tables whose cells wrap (securityPacketStatus.css).
 * A step recorded here is announced to the deal's other panels (c/gtmRecordSync: the scorecard's collateral blockers
 * follow the packet), and a change another panel announces on this deal (a review started from a blocker) re-reads
 * the packet.
 */

const SOURCE = 'securityPacketStatus';

const STATUS_ICONS = {
  current: { iconName: 'utility:success', iconVariant: 'success', iconLabel: 'Current' },
  expires_before_close: { iconName: 'utility:warning', iconVariant: 'warning', iconLabel: 'Warning' },
  expired: { iconName: 'utility:error', iconVariant: 'error', iconLabel: 'Expired' },
  missing: { iconName: 'utility:ban', iconVariant: 'error', iconLabel: 'Missing' }
};

const REASON_REQUIRED = 'Enter why the review is blocked, so the next person knows what to resolve.';

/**
 * The three reasons the panel asks for. Each form keeps its own data-ids (the block form's are the ones it always
 * had); `required` is the panel's own message when the reason is blank.
 */
const REASON_FORMS = {
  block: {
    formId: 'blocked-form',
    textareaId: 'blocked-reason',
    submitId: 'submit-blocked',
    cancelId: 'cancel-blocked',
    label: 'Why is the review blocked? (required)',
    help: 'Saved on the security packet; the review clock keeps running while it is blocked.',
    submitLabel: 'Save blocked reason',
    required: REASON_REQUIRED
  },
  resend: {
    formId: 'resend-form',
    textareaId: 'resend-reason',
    submitId: 'submit-resend',
    cancelId: 'cancel-resend',
    label: 'Why send the packet again? (required)',
    help: 'Saved in the packet stage log with the dates it replaces; the review clock keeps running from the first request.',
    submitLabel: 'Send packet again',
    required: 'Enter why the packet goes out again: the review moves back a stage and the log keeps the reason.'
  },
  exception: {
    formId: 'exception-form',
    textareaId: 'exception-reason',
    submitId: 'submit-exception',
    cancelId: 'cancel-exception',
    label: 'Why complete the review anyway? (required)',
    help: 'Saved on the packet as a completion exception; the review is left out of the cycle-time measure.',
    submitLabel: 'Complete by exception',
    required: 'Enter why the review completes without the NDA or current collateral.'
  }
};

const STATUS_WORDS = {
  missing: 'missing',
  expired: 'expired',
  expires_before_close: 'expires before close'
};

export default class SecurityPacketStatus extends LightningElement {
  @api recordId;

  /** the latest PacketView: from the wire, or returned by a mutation */
  view;
  loadError;
  actionError;
  saving = false;
  /** the open reason form: 'block', 'resend', 'exception' or null */
  reasonMode = null;
  reasonText = '';
  reasonError;
  /** the send is waiting for the person to confirm it despite collateral that is not current */
  confirmingSend = false;
  wiredResult;
  focusReason = false;
  recordSync;

  @wire(MessageContext)
  messageContext;

  connectedCallback() {
    this.recordSync = listenForChanges(
      this.messageContext,
      () => this.recordId,
      SOURCE,
      () => this.refresh()
    );
  }

  disconnectedCallback() {
    stopListening(this.recordSync);
    this.recordSync = undefined;
  }

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
      const textarea = this.template.querySelector('lightning-textarea[data-reason]');
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
    return this.canEdit && !this.reviewCompleted && this.actions.length > 0;
  }

  /** The steps the packet's stage allows (the server refuses any other). */
  get actions() {
    return (this.view && this.view.cycle && this.view.cycle.actions) || [];
  }

  get canSend() {
    return this.actions.includes('send');
  }

  get canResend() {
    return this.actions.includes('resend');
  }

  get canComplete() {
    return this.actions.includes('complete');
  }

  get canBlock() {
    return this.actions.includes('block');
  }

  get showActionButtons() {
    return !this.reasonMode && !this.confirmingSend;
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

  get notCurrentItems() {
    return ((this.view && this.view.collateral) || []).filter((c) => c.status !== 'current');
  }

  get blockingCount() {
    return this.notCurrentItems.length;
  }

  get enterpriseText() {
    if (this.view.collateralCurrent) return 'Collateral current for this deal';
    const n = this.blockingCount;
    if (n === 0) return 'Collateral is not current for this deal: it blocks an enterprise proposal';
    return `${countOf(n, 'item blocks', 'items block')} an enterprise proposal`;
  }

  /** "Security Questionnaire expired Oct 31, 2026", "AI Data Usage Policy missing" */
  itemGapText(item) {
    if (item.status === 'expired' && item.validUntil) return `${item.type} expired ${formatDate(item.validUntil)}`;
    if (item.status === 'expires_before_close' && item.validUntil)
      return `${item.type} expires ${formatDate(item.validUntil)}, before close`;
    return `${item.type} ${STATUS_WORDS[item.status] || item.status}`;
  }

  // ------------------------------------------------------------------ escalation past the proposal gate

  /**
   * An enterprise deal already past the proposal gate (it got there before the gate, by a bypass, or the collateral
   * lapsed since) with collateral expired or missing: said loudly, each item with who renews it.
   */
  get escalationItems() {
    if (!this.view || !this.view.enterprise || !this.view.pastProposalGate) return [];
    return this.notCurrentItems
      .filter((c) => c.status === 'expired' || c.status === 'missing')
      .map((c, i) => ({
        key: `${c.type}-${i}`,
        text: this.itemGapText(c),
        renewal: this.renewalText(c)
      }));
  }

  /** Who renews an item: its owner; Security publishes what is missing and renews what has no owner on record. */
  renewalText(item) {
    if (item.renewedBy) return `${item.renewedBy} (collateral owner)`;
    return item.status === 'missing' ? 'Security (nothing published yet)' : 'Security (no owner on record)';
  }

  get showEscalation() {
    return this.escalationItems.length > 0;
  }

  get escalationTitle() {
    const n = this.escalationItems.length;
    return `Past the proposal gate without current collateral: ${countOf(n, 'item', 'items')} to renew now`;
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

  get targetAndBaseline() {
    const c = this.cycle;
    return `target ${countOf(c.targetDays, 'day', 'days')}, baseline ${countOf(c.baselineDays, 'day', 'days')}`;
  }

  get cycleText() {
    const c = this.cycle;
    switch (c.state) {
      case 'completed':
        if (c.byException)
          return `Completed by exception in ${countOf(c.days, 'day', 'days')}: not counted toward the target (${countOf(c.targetDays, 'day', 'days')})`;
        return `Completed in ${countOf(c.days, 'day', 'days')} (target ${countOf(c.targetDays, 'day', 'days')})`;
      case 'in_progress':
      case 'blocked':
        return `Day ${formatCount(c.days)} of review (${this.targetAndBaseline})`;
      default:
        return `Review not requested yet (${this.targetAndBaseline})`;
    }
  }

  get targetText() {
    const c = this.cycle;
    if (c.onTarget === true) {
      if (c.state === 'completed') return 'On target';
      const left = c.targetDays - c.days;
      return `On target: ${countOf(left, 'day', 'days')} left`;
    }
    if (c.onTarget === false) return `Over target by ${countOf(c.days - c.targetDays, 'day', 'days')}`;
    return '';
  }

  get isException() {
    return this.cycle.state === 'completed' && this.cycle.byException === true;
  }

  get exceptionText() {
    return `Completion exception: ${(this.view && this.view.completionExceptionReason) || 'no reason recorded'}`;
  }

  get stageLogLines() {
    const log = (this.view && this.view.stageLog) || '';
    return (
      log
        .split('\n')
        .filter((line) => line.trim())
        // the server writes ISO dates; the panel shows every date as c/gtmFormat does
        .map((line, i) => ({ key: `log-${i}`, text: line.replace(/\b\d{4}-\d{2}-\d{2}\b/g, (d) => formatDate(d)) }))
    );
  }

  get hasStageLog() {
    return this.stageLogLines.length > 0;
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
      days: countOf(s.days, 'day', 'days')
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

  /** The first send; with collateral not current it waits for the person to confirm. */
  handleMarkSent() {
    if (this.view && !this.view.collateralCurrent && this.blockingCount > 0) {
      this.confirmingSend = true;
      return Promise.resolve();
    }
    return this.sendPacket();
  }

  handleConfirmSend() {
    this.confirmingSend = false;
    return this.sendPacket();
  }

  handleCancelSend() {
    this.confirmingSend = false;
  }

  sendPacket() {
    return this.run(
      markPacketSent,
      { opportunityId: this.recordId, reason: null },
      'Packet marked sent',
      'The review clock is running.'
    );
  }

  get sendWarningText() {
    const items = this.notCurrentItems.map((c) => this.itemGapText(c));
    return `${countOf(items.length, 'required item is', 'required items are')} not current: ${items.join('; ')}. Send the packet anyway?`;
  }

  /** Completes at once when the NDA and collateral are in place; otherwise asks for the exception's reason. */
  handleCompleted() {
    if (this.completionGaps.length > 0) {
      this.openReasonForm('exception');
      return Promise.resolve();
    }
    return this.run(
      recordReviewCompleted,
      { opportunityId: this.recordId, exceptionReason: null },
      'Review completed',
      'The review cycle time is recorded.'
    );
  }

  /** What keeps the review from completing without an exception, in words. */
  get completionGaps() {
    if (!this.view) return [];
    const gaps = this.view.ndaSigned ? [] : ['NDA not signed'];
    return gaps.concat(this.notCurrentItems.map((c) => this.itemGapText(c)));
  }

  handleShowBlockForm() {
    this.openReasonForm('block');
  }

  handleShowResendForm() {
    this.openReasonForm('resend');
  }

  openReasonForm(mode) {
    this.reasonMode = mode;
    this.reasonText = '';
    this.reasonError = undefined;
    this.focusReason = true;
  }

  handleCancelReason() {
    this.reasonMode = null;
    this.reasonText = '';
    this.reasonError = undefined;
  }

  get reasonForm() {
    return this.reasonMode ? REASON_FORMS[this.reasonMode] : null;
  }

  /** Above the textarea: what the step does and why a reason is asked for. */
  get reasonIntro() {
    if (this.reasonMode === 'resend') {
      const from = (this.view && this.view.reviewStage) || 'the current stage';
      return `Sending the packet again moves the review back from ${from} to Packet Sent.`;
    }
    if (this.reasonMode === 'exception') {
      return `The review is not ready to complete: ${this.completionGaps.join('; ')}. Completing it now records an exception, left out of the review cycle-time measure.`;
    }
    return '';
  }

  get hasReasonIntro() {
    return this.reasonIntro !== '';
  }

  get reasonMaxLength() {
    return (this.view && this.view.reasonMaxLength) || 255;
  }

  get reasonRemaining() {
    return Math.max(0, this.reasonMaxLength - (this.reasonText || '').length);
  }

  get reasonCounterText() {
    return `${countOf(this.reasonRemaining, 'character', 'characters')} left`;
  }

  get reasonCounterClass() {
    const low = this.reasonRemaining <= 20;
    return `slds-text-body_small slds-m-top_xx-small ${low ? 'slds-text-color_error' : 'slds-text-color_weak'}`;
  }

  handleReasonChange(event) {
    this.reasonText = event.detail && event.detail.value !== undefined ? event.detail.value : event.target.value;
    if (this.reasonError && this.reasonText && this.reasonText.trim()) {
      this.reasonError = undefined;
      event.target.setCustomValidity('');
      // clear the message while typing: left until blur, it would vanish on the button's mousedown and move the
      // button away from the pointer, losing the click
      event.target.reportValidity();
    }
  }

  handleSubmitReason() {
    const form = this.reasonForm;
    if (!form) return Promise.resolve();
    const reason = (this.reasonText || '').trim();
    const textarea = this.template.querySelector('lightning-textarea[data-reason]');
    if (!reason) {
      this.reasonError = form.required;
      if (textarea) {
        textarea.setCustomValidity(form.required);
        textarea.reportValidity();
      }
      return Promise.resolve();
    }
    if (textarea) textarea.setCustomValidity('');
    if (this.reasonMode === 'resend') {
      return this.run(
        markPacketSent,
        { opportunityId: this.recordId, reason },
        'Packet sent again',
        'The review is back at Packet Sent; the reason is in the stage log.'
      );
    }
    if (this.reasonMode === 'exception') {
      return this.run(
        recordReviewCompleted,
        { opportunityId: this.recordId, exceptionReason: reason },
        'Review completed by exception',
        'The reason is on the packet; the review is left out of the cycle-time measure.'
      );
    }
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
      this.reasonMode = null;
      this.reasonText = '';
      this.reasonError = undefined;
      this.dispatchEvent(new ShowToastEvent({ title, message, variant: 'success' }));
      announceChange(this.messageContext, this.recordId, SOURCE, 'packet_updated');
    } catch (error) {
      // the message stays; the refresh below shows what changed behind the page's back (e.g. decided elsewhere)
      this.actionError = errorText(error);
    } finally {
      this.saving = false;
    }
    await this.refresh();
  }

  /** Reads the packet again. */
  async refresh() {
    if (this.wiredResult) {
      try {
        await refreshApex(this.wiredResult);
      } catch {
        // a failed refresh reaches wiredPacket as an error; the view the mutation returned stays on screen
      }
    }
  }
}
