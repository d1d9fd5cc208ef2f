import { LightningElement, api, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import getScorecard from '@salesforce/apex/GtmPilotScorecardController.getScorecard';
import updateCriterion from '@salesforce/apex/GtmPilotScorecardController.updateCriterion';
import addCriterion from '@salesforce/apex/GtmPilotScorecardController.addCriterion';
import applyTemplate from '@salesforce/apex/GtmPilotScorecardController.applyTemplate';
import { errorText } from 'c/gtmErrors';
import { formatDate, formatPercent, plural } from 'c/gtmFormat';

/**
 * exp-003 pilot success scorecard on the Opportunity record page.
 *
 * Every verdict (score, met, complete, completion, readiness) is computed by GtmPilotScorecardController; this
 * component only formats the ScorecardView (scripts/contracts/panelContracts.ts) and shows the reason next to each
 * verdict. Mutations return the fresh view, which is shown at once; the wired view is then refreshed.
 */

const DIRECTION_OPTIONS = [
  { label: 'At least', value: 'At least' },
  { label: 'At most', value: 'At most' }
];

const EMPTY_CRITERION = { metric: '', targetValue: '', targetDirection: 'At least', weight: '', dueDate: '' };

/** A plain number without float noise: 6.5 -> "6.5", 0.30000000000000004 -> "0.3". */
function formatNumber(value) {
  if (value === null || value === undefined) return '';
  return String(Number(Number(value).toFixed(4)));
}

function withUnit(value, unit) {
  const n = formatNumber(value);
  if (!unit) return n;
  return unit === '%' ? `${n}%` : `${n} ${unit}`;
}

/** '' or null -> null; otherwise the number, or NaN when the text is not one. */
function toNumberOrNull(value) {
  if (value === null || value === undefined || String(value).trim() === '') return null;
  return Number(value);
}

export default class PilotScorecard extends LightningElement {
  @api recordId;

  /** the latest ScorecardView: from the wire, or returned by a mutation */
  view;
  loadError;
  actionError;
  saving = false;

  editingId;
  draftActual;
  draftStatus;

  showAddForm = false;
  newCriterion = { ...EMPTY_CRITERION };
  addFormError;

  directionOptions = DIRECTION_OPTIONS;

  wiredResult;
  focusSelector;

  @wire(getScorecard, { opportunityId: '$recordId' })
  wiredScorecard(result) {
    this.wiredResult = result;
    const { data, error } = result;
    if (data) {
      this.view = data;
      this.loadError = undefined;
    } else if (error) {
      this.view = undefined;
      this.loadError = errorText(error);
    }
  }

  renderedCallback() {
    if (!this.focusSelector) return;
    const target = this.template.querySelector(this.focusSelector);
    if (target) {
      this.focusSelector = undefined;
      target.focus();
    }
  }

  // ------------------------------------------------------------------ states

  get isLoading() {
    return !this.view && !this.loadError;
  }

  get hasView() {
    return Boolean(this.view);
  }

  get hasScorecard() {
    return Boolean(this.view && this.view.scorecardId);
  }

  get isEmpty() {
    return Boolean(this.view && !this.view.scorecardId);
  }

  get canEdit() {
    return Boolean(this.view && this.view.canEdit);
  }

  get buttonsDisabled() {
    return this.saving;
  }

  get ariaBusy() {
    return this.saving ? 'true' : 'false';
  }

  // ------------------------------------------------------------------ header: score

  get thresholdText() {
    const min = Number(this.view.minScore);
    return Number.isNaN(min) ? this.view.minScore : formatPercent(min);
  }

  get hasScore() {
    return this.view.score !== null && this.view.score !== undefined;
  }

  get scoreText() {
    if (!this.hasScore) return `No score yet: no criterion carries weight (threshold ${this.thresholdText})`;
    return `Score ${formatPercent(this.view.score)} (threshold ${this.thresholdText})`;
  }

  get progressValue() {
    if (!this.hasScore) return 0;
    return Math.min(100, Math.max(0, Math.floor(this.view.score * 1000 + 1e-6) / 10));
  }

  get weightText() {
    return `Met weight ${formatNumber(this.view.metWeight)} of ${formatNumber(this.view.totalWeight)}`;
  }

  get pilotFacts() {
    const v = this.view;
    const facts = [];
    if (v.scorecardStatus) facts.push(`Scorecard ${v.scorecardStatus}`);
    if (v.pilotStartDate) facts.push(`pilot started ${formatDate(v.pilotStartDate)}`);
    if (v.templateVersion) facts.push(`template ${v.templateVersion}`);
    return facts.join(' · ');
  }

  // ------------------------------------------------------------------ week-1 completion

  get completionText() {
    const { completion, daysLeft, completionDeadline } = this.view;
    const deadline = formatDate(completionDeadline);
    if (completion === 'complete') return 'Complete';
    const days = daysLeft === null || daysLeft === undefined ? null : Math.abs(daysLeft);
    if (completion === 'overdue') {
      if (!days) return deadline ? `Overdue (was due ${deadline})` : 'Overdue';
      return `Overdue by ${plural(days, 'day', 'days')}${deadline ? ` (was due ${deadline})` : ''}`;
    }
    if (days === 0) return 'Due today';
    if (days === null) return deadline ? `Due by ${deadline}` : 'Due';
    return `Due in ${plural(days, 'day', 'days')}${deadline ? ` (by ${deadline})` : ''}`;
  }

  get completionClass() {
    return this.view.completion === 'overdue' ? 'slds-text-color_error' : '';
  }

  get incompleteText() {
    const n = this.view.incompleteCount;
    if (!this.view.criteria.length) return 'No criteria yet: add one or apply the standard template.';
    if (!n) return 'Every criterion has a target, owner and due date.';
    return n === 1 ? '1 criterion lacks a target, owner or due date' : `${n} criteria lack a target, owner or due date`;
  }

  // ------------------------------------------------------------------ production readiness

  get isReady() {
    return Boolean(this.view.readiness && this.view.readiness.ready);
  }

  get blockers() {
    const list = (this.view.readiness && this.view.readiness.blockers) || [];
    return list.map((text, i) => ({ key: `blocker-${i}`, text }));
  }

  get hasBlockers() {
    return this.blockers.length > 0;
  }

  get gate() {
    const g = this.view.gate;
    if (!g) return undefined;
    const hasRate = g.measuredValue !== null && g.measuredValue !== undefined;
    const hasSample = g.sampleSize !== null && g.sampleSize !== undefined;
    let rate = 'No audited rate yet';
    if (hasRate) rate = `${formatNumber(g.measuredValue * 100)}%`;
    if (hasRate && hasSample) rate += ` of ${plural(g.sampleSize, 'audited response', 'audited responses')}`;
    if (!hasRate && hasSample) rate = `${plural(g.sampleSize, 'audited response', 'audited responses')}, no rate`;
    return {
      status: g.status || 'No status',
      rate,
      audited: g.auditedDate ? formatDate(g.auditedDate) : 'Not audited',
      fallback: g.fallbackPath || 'No fallback path recorded'
    };
  }

  // ------------------------------------------------------------------ criteria

  get hasCriteria() {
    return Boolean(this.view && this.view.criteria.length);
  }

  get statusOptions() {
    return ((this.view && this.view.statusOptions) || []).map((s) => ({ label: s, value: s }));
  }

  get rows() {
    const criteria = (this.view && this.view.criteria) || [];
    return criteria.map((c) => {
      const hasTarget = c.targetValue !== null && c.targetValue !== undefined;
      const hasActual = c.actualValue !== null && c.actualValue !== undefined;
      return {
        id: c.id,
        metric: c.metric,
        targetText: hasTarget
          ? [c.targetDirection, withUnit(c.targetValue, c.unit)].filter(Boolean).join(' ')
          : 'No target',
        actualText: hasActual ? withUnit(c.actualValue, c.unit) : 'Not measured',
        weightText: c.weight === null || c.weight === undefined ? 'No weight' : formatNumber(c.weight),
        ownerText: c.ownerName || 'No owner',
        dueText: c.dueDate ? formatDate(c.dueDate) : 'No due date',
        statusText: c.status || 'No status',
        metLabel: c.met ? 'Met' : 'Not met',
        metClass: c.met ? 'slds-theme_success' : '',
        incomplete: !c.complete,
        isEditing: c.id === this.editingId,
        editLabel: `Edit actual and status of ${c.metric}`,
        actualLabel: `Actual value for ${c.metric}`,
        statusLabel: `Status for ${c.metric}`
      };
    });
  }

  // ------------------------------------------------------------------ inline edit

  handleEdit(event) {
    const id = event.currentTarget.dataset.id;
    const criterion = this.view.criteria.find((c) => c.id === id);
    if (!criterion) return;
    this.editingId = id;
    this.draftActual =
      criterion.actualValue === null || criterion.actualValue === undefined ? '' : String(criterion.actualValue);
    this.draftStatus = criterion.status || null;
    this.actionError = undefined;
    this.focusSelector = `lightning-input[data-id="${id}"]`;
  }

  handleDraftActual(event) {
    this.draftActual = event.detail.value;
  }

  handleDraftStatus(event) {
    this.draftStatus = event.detail.value;
  }

  handleRowKeydown(event) {
    if (event.key === 'Escape' && this.editingId && !this.saving) {
      event.stopPropagation();
      this.handleCancelEdit();
    }
  }

  handleCancelEdit() {
    const id = this.editingId;
    this.editingId = undefined;
    this.actionError = undefined;
    if (id) this.focusSelector = `lightning-button-icon[data-id="${id}"]`;
  }

  async handleSaveEdit() {
    const criterionId = this.editingId;
    const actualValue = toNumberOrNull(this.draftActual);
    if (actualValue !== null && !Number.isFinite(actualValue)) {
      this.actionError = 'Enter the actual value as a number, or leave it empty.';
      return;
    }
    const saved = await this.mutate(
      () => updateCriterion({ criterionId, actualValue, status: this.draftStatus || null }),
      'Criterion saved'
    );
    if (saved) {
      this.editingId = undefined;
      this.focusSelector = `lightning-button-icon[data-id="${criterionId}"]`;
    }
  }

  // ------------------------------------------------------------------ add criterion, template

  handleShowAdd() {
    this.showAddForm = true;
    this.newCriterion = { ...EMPTY_CRITERION };
    this.addFormError = undefined;
    this.focusSelector = 'lightning-input[data-field="metric"]';
  }

  handleCancelAdd() {
    this.showAddForm = false;
    this.addFormError = undefined;
    this.focusSelector = 'lightning-button[data-action="show-add"]';
  }

  handleNewField(event) {
    const field = event.target.dataset.field;
    this.newCriterion = { ...this.newCriterion, [field]: event.detail.value };
  }

  async handleAddCriterion() {
    const metricInput = this.template.querySelector('lightning-input[data-field="metric"]');
    const metric = (this.newCriterion.metric || '').trim();
    if (!metric) {
      this.addFormError = 'Enter the metric this criterion measures.';
      if (metricInput) metricInput.reportValidity();
      return;
    }
    const targetValue = toNumberOrNull(this.newCriterion.targetValue);
    const weight = toNumberOrNull(this.newCriterion.weight);
    if (Number.isNaN(targetValue) || Number.isNaN(weight)) {
      this.addFormError = 'Enter the target and the weight as numbers, or leave them empty.';
      return;
    }
    this.addFormError = undefined;
    const saved = await this.mutate(
      () =>
        addCriterion({
          opportunityId: this.recordId,
          metric,
          targetValue,
          targetDirection: this.newCriterion.targetDirection || null,
          weight,
          dueDate: this.newCriterion.dueDate || null
        }),
      'Criterion added'
    );
    if (saved) {
      this.showAddForm = false;
      this.newCriterion = { ...EMPTY_CRITERION };
      this.focusSelector = 'lightning-button[data-action="show-add"]';
    }
  }

  async handleApplyTemplate() {
    await this.mutate(() => applyTemplate({ opportunityId: this.recordId }), 'Standard template applied');
  }

  /** Runs one Apex mutation: shows the view it returns, refreshes the wire, toasts; true when it succeeded. */
  async mutate(call, successTitle) {
    this.saving = true;
    this.actionError = undefined;
    try {
      const fresh = await call();
      if (fresh) this.view = fresh;
      this.dispatchEvent(new ShowToastEvent({ title: successTitle, message: this.scoreText, variant: 'success' }));
      if (this.wiredResult) {
        // the returned view is already on screen; a failed refresh surfaces through the wire handler
        Promise.resolve(refreshApex(this.wiredResult)).catch(() => {});
      }
      return true;
    } catch (error) {
      this.actionError = errorText(error);
      return false;
    } finally {
      this.saving = false;
    }
  }
}
