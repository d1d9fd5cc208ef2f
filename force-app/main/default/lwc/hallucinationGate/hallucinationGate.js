import { LightningElement, api, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import { MessageContext } from 'lightning/messageService';
import getGatePanel from '@salesforce/apex/GtmHallucinationGateController.getGatePanel';
import setHumanVerdict from '@salesforce/apex/GtmHallucinationGateController.setHumanVerdict';
import { errorText } from 'c/gtmErrors';
import { countOf, formatCount, formatDate, formatPercent } from 'c/gtmFormat';
import { announceChange, listenForChanges, stopListening } from 'c/gtmRecordSync';

/**
 * exp-006 on the Opportunity record page: the hallucination gate judged from the deal's audit runs. Every verdict
 * (status, reasons, counts after human verdicts, Wilson interval and bound, hallucinations allowed at n, the n at
 * which the rate would pass, blockers) comes from GtmHallucinationGateController (HallucinationPanelView in
 * scripts/contracts/panelContracts.ts); this component puts them into words, draws the interval against the policy
 * maximum, and sends a reviewer's verdict with its reason (the server recounts the audit and the gate). The layout
 * holds in a 400 px sidebar (hallucinationGate.css). A saved verdict is announced to the deal's other panels
 * (c/gtmRecordSync: the scorecard shows the gate and its blockers); a change another panel announces on this deal
 * re-reads the gate, and the scorecard's "Review the failing cases" step brings the failing cases into view here.
 */

const SOURCE = 'hallucinationGate';
/** What another panel may ask this one to bring into view (the channel's `show`). */
const SHOW_FAILING_CASES = 'hallucination_failing_cases';

const STATUS = {
  Passed: {
    words: 'Passed: production approval allowed',
    icon: 'utility:success',
    variant: 'success',
    theme: 'slds-theme_success'
  },
  Provisional: {
    words: 'Provisional: pilot cohort only, production approval refused',
    icon: 'utility:warning',
    variant: 'warning',
    theme: 'slds-theme_warning'
  },
  Failed: { words: 'Failed: stop ship', icon: 'utility:error', variant: 'inverse', theme: 'slds-theme_error' },
  Pending: {
    words: 'Pending: not enough scored responses yet',
    icon: 'utility:clock',
    variant: 'warning',
    theme: 'slds-theme_warning'
  },
  Expired: {
    words: 'Expired: a new audit of the deployed version is needed',
    icon: 'utility:refresh',
    variant: 'warning',
    theme: 'slds-theme_warning'
  }
};

const VERDICT_WORDS = { pass: 'not hallucinated', hallucinated: 'hallucinated' };
const VERDICT_OPTIONS = [
  { label: 'Hallucinated', value: 'hallucinated' },
  { label: 'Not hallucinated', value: 'pass' }
];
const REASON_REQUIRED = 'Enter why: the audit keeps the reason with your verdict.';

/**
 * A rate as the gate's reasons write it (two decimals, half up: 0.022098 -> "2.21%"), so the panel and the server's
 * words agree; a small rate keeps its digits (0.000883 -> "0.09%", not "0%").
 */
const rateText = (x) => `${(Math.round(Number(x) * 10000) / 100).toFixed(2)}%`;

/**
 * A digest (a prompt version or dataset written as its SHA-256, 64 hex digits) is shown by its first 12 digits, as git
 * shortens a commit; the whole value stays in the element's title. Other text is shown as it is.
 */
const DIGEST = /^(?:sha256:)?[0-9a-f]{32,}$/i;
const shortDigest = (text) => (text && DIGEST.test(text) ? `${text.replace(/^sha256:/i, '').slice(0, 12)}…` : text);

/** Where `x` sits on the bar, as a CSS percentage of its width (0 .. scale). */
const at = (x, scale) => `${Math.min(100, Math.max(0, (x / scale) * 100)).toFixed(2)}%`;

export default class HallucinationGate extends LightningElement {
  @api recordId;

  view;
  loadError;
  actionError;
  saving = false;
  wiredResult;
  /** the item a reviewer is setting a verdict on, its choice and reason */
  reviewingId = null;
  reviewVerdict = null;
  reviewReason = '';
  reviewError;
  recordSync;

  @wire(MessageContext)
  messageContext;

  connectedCallback() {
    this.recordSync = listenForChanges(
      this.messageContext,
      () => this.recordId,
      SOURCE,
      (message) => this.handleRecordChanged(message)
    );
  }

  disconnectedCallback() {
    stopListening(this.recordSync);
    this.recordSync = undefined;
  }

  /** Another panel changed this deal: read the gate again; or it asks to bring the failing cases into view. */
  async handleRecordChanged(message) {
    if (message.change) await this.refresh();
    if (message.show === SHOW_FAILING_CASES) this.showFailingCases();
  }

  /** Scrolls the failing cases to the top of the view and puts the cursor on the first case's review. */
  showFailingCases() {
    const heading = this.template.querySelector('[data-id="cases-heading"]');
    if (!heading) return;
    if (typeof heading.scrollIntoView === 'function') heading.scrollIntoView({ block: 'start' });
    const first = this.template.querySelector('lightning-button[data-id="review"]') || heading;
    first.focus();
  }

  async refresh() {
    if (this.wiredResult) {
      try {
        await refreshApex(this.wiredResult);
      } catch {
        // a failed refresh reaches wiredPanel as an error; the view on screen stays
      }
    }
  }

  @wire(getGatePanel, { opportunityId: '$recordId' })
  wiredPanel(result) {
    this.wiredResult = result;
    if (result.data) {
      this.view = result.data;
      this.loadError = undefined;
    } else if (result.error) {
      this.loadError = result.error;
    }
  }

  get isLoading() {
    return !this.view && !this.loadError;
  }

  get loadErrorText() {
    return this.loadError ? `The hallucination gate could not be loaded. ${errorText(this.loadError)}` : '';
  }

  // ------------------------------------------------------------------ status

  get statusInfo() {
    return STATUS[this.view.status] || STATUS.Pending;
  }

  get statusWords() {
    return this.statusInfo.words;
  }

  get statusClass() {
    return `slds-box slds-box_x-small slds-m-bottom_small ${this.statusInfo.theme}`;
  }

  get statusIcon() {
    return this.statusInfo.icon;
  }

  get statusIconVariant() {
    return this.statusInfo.variant;
  }

  get reasons() {
    return (this.view.reasons || []).map((text, i) => ({ key: `reason-${i}`, text }));
  }

  get hasReasons() {
    return this.reasons.length > 0;
  }

  get blockers() {
    return (this.view.blockers || []).map((b, i) => ({
      key: `blocker-${i}`,
      message: b.message,
      who: b.whoActs ? b.whoActs.label : '',
      next: b.next ? b.next.label : ''
    }));
  }

  get hasBlockers() {
    return this.blockers.length > 0;
  }

  // ------------------------------------------------------------------ the statistic

  get hasRate() {
    return this.view.rate !== null && this.view.rate !== undefined;
  }

  get isStrict() {
    return this.view.basis === 'upper_bound';
  }

  /** in the unit and digits of the rates it is compared with, as the server's reasons say it ("2.00% maximum") */
  get maxText() {
    return `${rateText(this.view.maxRate)} maximum`;
  }

  get rateText() {
    const v = this.view;
    return `Rate ${rateText(v.rate)}: ${formatCount(v.hallucinated)} of ${countOf(v.responses, 'scored response', 'scored responses')} hallucinated`;
  }

  get intervalText() {
    return `95% interval ${rateText(this.view.wilsonLow)} to ${rateText(this.view.wilsonHigh)}`;
  }

  get boundText() {
    const v = this.view;
    const bound = this.isStrict ? v.upperBound : v.rate;
    const what = this.isStrict ? 'One-sided 95% upper bound' : 'Point rate (the gate basis)';
    const side = bound <= v.maxRate ? 'within' : 'above';
    return `${what} ${rateText(bound)}: ${side} the ${this.maxText}`;
  }

  /** The scale of the bar: room for the interval, the bound and the maximum line. */
  get scale() {
    const v = this.view;
    const top = Math.max(v.maxRate * 2, (v.wilsonHigh || 0) * 1.1, (v.upperBound || 0) * 1.1);
    return Math.min(1, top || 0.04);
  }

  get intervalStyle() {
    const v = this.view;
    const left = at(v.wilsonLow, this.scale);
    const right = at(v.wilsonHigh, this.scale);
    return `left: ${left}; width: calc(${right} - ${left});`;
  }

  get pointStyle() {
    return `left: ${at(this.view.rate, this.scale)};`;
  }

  get upperStyle() {
    return `left: ${at(this.view.upperBound, this.scale)};`;
  }

  get maxStyle() {
    return `left: ${at(this.view.maxRate, this.scale)};`;
  }

  get scaleEndText() {
    return formatPercent(this.scale);
  }

  /** The bar in words, for screen readers (the drawing is hidden from them). */
  get barSummary() {
    return `${this.rateText}. ${this.intervalText}. ${this.boundText}.`;
  }

  // ------------------------------------------------------------------ sample

  get sampleText() {
    const v = this.view;
    const enough = v.responses >= v.minSample ? 'meets' : 'is below';
    return `n = ${formatCount(v.responses)} ${enough} the minimum sample of ${formatCount(v.minSample)}`;
  }

  get allowedText() {
    const v = this.view;
    const gate = this.isStrict ? 'The strict gate' : 'The gate';
    if (!v.responses) return `${gate} allows no hallucinations until there are scored responses`;
    if (v.allowedHallucinations === null || v.allowedHallucinations === undefined)
      return `${gate} allows none at n = ${formatCount(v.responses)}`;
    return `${gate} allows ${countOf(v.allowedHallucinations, 'hallucination', 'hallucinations')} at n = ${formatCount(v.responses)}`;
  }

  get passingText() {
    const v = this.view;
    if (!v.responses) return 'Not known yet: it follows from the rate of the first scored responses';
    if (v.passingN === null || v.passingN === undefined)
      return `Cannot pass at this rate (${rateText(v.rate)}), however many responses are audited`;
    return `Allowed at n = ${formatCount(v.passingN)}: the smallest sample at which this rate (${rateText(v.rate)}) passes`;
  }

  get criticalText() {
    return countOf(this.view.critical, 'critical hallucination', 'critical hallucinations');
  }

  get unstableText() {
    return countOf(this.view.unstable, 'unstable case', 'unstable cases') + ' (repeats disagree)';
  }

  get versionText() {
    const v = this.view;
    return `${v.deployedModel || 'not recorded'}, prompt ${shortDigest(v.deployedPromptVersion) || 'not recorded'}`;
  }

  /** the prompt version in full (the text shows a digest shortened) */
  get versionTitle() {
    return this.view.deployedPromptVersion || '';
  }

  // ------------------------------------------------------------------ fallback

  get fallback() {
    return this.view.fallback || {};
  }

  get fallbackTypeText() {
    return this.fallback.type || 'None recorded';
  }

  get fallbackTestedText() {
    const f = this.fallback;
    if (!f.testedDate) return 'Not tested';
    const age = f.testedRecently ? 'within' : 'older than';
    return `${formatDate(f.testedDate)} (${age} the ${countOf(this.view.maxAgeDays, 'day', 'days')} limit)`;
  }

  get fallbackSlaText() {
    const m = this.fallback.handoffSlaMinutes;
    return m === null || m === undefined ? 'Not set' : countOf(m, 'minute', 'minutes');
  }

  get hasEvidenceUrl() {
    return Boolean(this.fallback.evidenceUrl);
  }

  // ------------------------------------------------------------------ runs

  get runs() {
    return (this.view.runs || []).map((r) => ({
      key: r.id,
      title: `${r.tool} ${r.runId}`,
      time: r.runAt
        ? `${formatDate(r.runAt.slice(0, 10))} ${r.runAt.slice(11, 16)} UTC${r.ageDays === null || r.ageDays === undefined ? '' : ` (${countOf(r.ageDays, 'day', 'days')} old; the limit is ${countOf(this.view.maxAgeDays, 'day', 'days')})`}`
        : 'not stated',
      model: r.model || 'not stated',
      prompt: shortDigest(r.promptVersion) || 'not stated',
      promptTitle: r.promptVersion || '',
      dataset: r.dataset || 'not stated',
      sha: shortDigest(r.datasetSha256) || 'not stated',
      shaTitle: r.datasetSha256 || '',
      counts: `${formatCount(r.hallucinated)} of ${formatCount(r.responses)} hallucinated, ${formatCount(r.critical)} critical`,
      counted: r.pooled ? 'Counted in the gate' : 'Not counted (another version, or outside the pooling window)'
    }));
  }

  get hasRuns() {
    return this.runs.length > 0;
  }

  // ------------------------------------------------------------------ items

  get items() {
    return (this.view.items || []).map((i) => {
      const human = i.humanVerdict ? VERDICT_WORDS[i.humanVerdict] || i.humanVerdict : null;
      const reviewed = i.reviewedBy
        ? ` (${i.reviewedBy}${i.reviewedAt ? `, ${formatDate(i.reviewedAt.slice(0, 10))}` : ''})`
        : '';
      return {
        key: i.id,
        id: i.id,
        title: `${i.caseId}${i.unstable ? ' (unstable)' : ''}`,
        category: i.category || 'uncategorized',
        severity: i.severity || 'unrated',
        judge: VERDICT_WORDS[i.verdict] || 'not scored',
        judgeReason: i.judgeReason || 'no reason given',
        human: human ? `${human}${reviewed}: ${i.humanReason || ''}` : 'Not reviewed',
        reviewLabel: `Review ${i.caseId}`,
        reviewing: this.reviewingId === i.id
      };
    });
  }

  get hasItems() {
    return this.items.length > 0;
  }

  get itemsNotListedText() {
    const n = this.view.itemsNotListed;
    return n ? `${countOf(n, 'more case is', 'more cases are')} not listed` : '';
  }

  get canReview() {
    return Boolean(this.view && this.view.canReview);
  }

  get verdictOptions() {
    return VERDICT_OPTIONS;
  }

  get reasonMaxLength() {
    return this.view.reasonMaxLength || 255;
  }

  handleReview(event) {
    const id = event.currentTarget.dataset.item;
    const item = (this.view.items || []).find((i) => i.id === id);
    this.reviewingId = id;
    this.reviewVerdict = item && item.humanVerdict ? item.humanVerdict : null;
    this.reviewReason = '';
    this.reviewError = undefined;
    this.actionError = undefined;
  }

  handleCancelReview() {
    this.reviewingId = null;
    this.reviewError = undefined;
  }

  // a choice or a reason typed clears the message that asked for it
  handleVerdictChange(event) {
    this.reviewVerdict = event.detail.value;
    this.reviewError = undefined;
  }

  handleReasonChange(event) {
    this.reviewReason = event.detail && event.detail.value !== undefined ? event.detail.value : event.target.value;
    if (this.reviewReason.trim()) this.reviewError = undefined;
  }

  async handleSubmitReview() {
    const reason = (this.reviewReason || '').trim();
    if (!this.reviewVerdict) {
      this.reviewError = 'Choose hallucinated or not hallucinated.';
      return;
    }
    if (!reason) {
      this.reviewError = REASON_REQUIRED;
      return;
    }
    this.reviewError = undefined;
    this.saving = true;
    this.actionError = undefined;
    try {
      this.view = await setHumanVerdict({
        opportunityId: this.recordId,
        itemId: this.reviewingId,
        verdict: this.reviewVerdict,
        reason
      });
      this.reviewingId = null;
      this.dispatchEvent(
        new ShowToastEvent({
          title: 'Verdict saved',
          message: `The audit is recounted: the gate is ${this.view.status}.`,
          variant: 'success'
        })
      );
      announceChange(this.messageContext, this.recordId, SOURCE, 'verdict_saved');
    } catch (error) {
      this.actionError = errorText(error);
    } finally {
      this.saving = false;
    }
    await this.refresh();
  }
}
