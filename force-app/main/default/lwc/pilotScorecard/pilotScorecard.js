import { LightningElement, api, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import { MessageContext } from 'lightning/messageService';
import { notifyRecordUpdateAvailable } from 'lightning/uiRecordApi';
import getScorecard from '@salesforce/apex/GtmPilotScorecardController.getScorecard';
import updateCriterion from '@salesforce/apex/GtmPilotScorecardController.updateCriterion';
import addCriterion from '@salesforce/apex/GtmPilotScorecardController.addCriterion';
import applyTemplate from '@salesforce/apex/GtmPilotScorecardController.applyTemplate';
import deleteCriterion from '@salesforce/apex/GtmPilotScorecardController.deleteCriterion';
import requestProductionApproval from '@salesforce/apex/GtmPilotScorecardController.requestProductionApproval';
import requestBlockerAction from '@salesforce/apex/GtmPilotScorecardController.requestBlockerAction';
import { errorText } from 'c/gtmErrors';
import { formatDate, formatNumber, formatPercent, plural, recordUrl } from 'c/gtmFormat';
import { announceChange, askToShow, listenForChanges, stopListening } from 'c/gtmRecordSync';

/**
 * exp-003 pilot success scorecard on the Opportunity record page.
 *
 * Every verdict (score, met, complete, completion, readiness) is computed by GtmPilotScorecardController; this
 * component only formats the ScorecardView (scripts/contracts/panelContracts.ts) and shows the reason next to each
 * verdict. Mutations return the fresh view, which is shown at once; the wired view is then refreshed. A blocker's
 * request or an approval request changes what the other panels of the deal show: it is announced (c/gtmRecordSync),
 * and a change announced by another panel on this deal re-reads the scorecard.
 */

const SOURCE = 'pilotScorecard';

const DIRECTION_OPTIONS = [
  { label: 'At least', value: 'At least' },
  { label: 'At most', value: 'At most' }
];

const EMPTY_CRITERION = {
  metric: '',
  targetValue: '',
  targetDirection: 'At least',
  weight: '',
  dueDate: '',
  unit: '',
  ownerId: '',
  ownerName: ''
};

/** Units whose values are ratios (0 to 1): shown as percentages, like the score. */
const RATIO_UNITS = ['ratio', 'share', 'rate', 'fraction'];
const isRatio = (unit) =>
  RATIO_UNITS.includes(
    String(unit || '')
      .trim()
      .toLowerCase()
  );

/** Digits a criterion value keeps (Number(16,4)) and a weight (Number(5,2)): the inputs' steps. */
const VALUE_STEP = '0.0001';
const WEIGHT_STEP = '0.01';

function withUnit(value, unit) {
  if (isRatio(unit)) return formatPercent(value);
  const n = formatNumber(value);
  if (!unit) return n;
  return unit === '%' ? `${n}%` : `${n} ${unit}`;
}

/** '' or null -> null; otherwise the number, or NaN when the text is not one. */
function toNumberOrNull(value) {
  if (value === null || value === undefined || String(value).trim() === '') return null;
  return Number(value);
}

/** The range a value keeps to, in words: "from 0 to 1 (a ratio: 0.4 is 40%)". */
function rangeText(min, max, unit) {
  let why = '';
  if (isRatio(unit)) why = ' (a ratio: 0.4 is 40%)';
  else if (unit === '%') why = ' (a percentage)';
  else if (unit) why = ` (${unit})`;
  return `from ${formatNumber(min)} to ${formatNumber(max)}${why}`;
}

/**
 * Whether every given lightning-input holds what it says: a number input with text that is not a number has the
 * value '' and validity.badInput, so the value alone cannot tell "cleared" from "typed wrong". Shows each field's
 * message; true when all are valid.
 */
function allValid(inputs) {
  let valid = true;
  for (const input of inputs) {
    if (!input) continue;
    const validity = input.validity;
    if (validity && validity.valid === false) {
      valid = false;
      if (typeof input.reportValidity === 'function') input.reportValidity();
    }
  }
  return valid;
}

/** The editor field a blocker's fix names (BlockerView.fix.fieldApiName), as the inline editor's data-field. */
const FIX_FIELDS = {
  Target_Value__c: 'targetValue',
  Actual_Value__c: 'actualValue',
  Weight__c: 'weight',
  Owner__c: 'ownerId',
  Due_Date__c: 'dueDate'
};

/** Step kinds the server performs (requestBlockerAction); the others are done on this panel or the gate panel. */
const REQUEST_KINDS = ['request_collateral_renewal', 'request_hallucination_audit', 'start_security_review'];

/**
 * A server blocker as the list shows it: its words and who acts exactly as the server wrote them, and its next step
 * as a button (a step exists) or as words (none: who acts does it elsewhere).
 */
function blockerItem(blocker, key) {
  const next = blocker.next || { kind: 'none', label: '' };
  return {
    key,
    code: blocker.code,
    result: undefined,
    message: blocker.message,
    who: blocker.whoActs ? blocker.whoActs.label : '',
    kind: next.kind,
    label: next.label,
    target: next.target || '',
    field: (blocker.fix && blocker.fix.fieldApiName) || '',
    hasStep: next.kind !== 'none'
  };
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
  draft = {};
  /** the draft differs from the saved criterion */
  draftDirty = false;
  editNotice;
  statusMessage;
  confirmingDeleteId;

  /**
   * The outcome of a blocker's step, shown beside that blocker (the card's top is out of view in a tall page):
   * { code, message, text, taskUrl, error }. It stays with the blocker of that code and message after the refresh;
   * when the step resolved the blocker, it is shown under the list.
   */
  blockerResult;
  /** the gate's last refusal of "Request production approval": its message and blockers as the server gave them */
  approvalResult;

  showAddForm = false;
  newCriterion = { ...EMPTY_CRITERION };
  addFormError;

  directionOptions = DIRECTION_OPTIONS;

  wiredResult;
  focusSelector;
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

  /** reads the scorecard again; a failed refresh surfaces through the wire handler */
  refresh() {
    if (this.wiredResult) Promise.resolve(refreshApex(this.wiredResult)).catch(() => {});
  }

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

  get emptyHeading() {
    if (this.canEdit && !this.canSetUp) return 'No pilot scorecard.';
    return 'No pilot scorecard yet. Apply the standard template to start one.';
  }

  /** the deal is open: template and new criteria are offered (a closed deal starts no pilot) */
  get canSetUp() {
    return this.canEdit && Boolean(this.view && this.view.canSetUp);
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

  /** weights are meant to add up to 100; when they do not, the panel says so (the score divides by their sum) */
  get weightSumWarning() {
    const total = Number(this.view.totalWeight);
    if (!this.view.criteria.length || !Number.isFinite(total) || Math.abs(total - 100) < 1e-9) return undefined;
    return `Weights add up to ${formatNumber(total)}, not 100: the score divides the met weight by ${formatNumber(total)}.`;
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
    const items = list.map((b, i) => blockerItem(b, `blocker-${i}`));
    const r = this.blockerResult;
    if (r) {
      const home =
        items.find((b) => b.code === r.code && b.message === r.message) || items.find((b) => b.code === r.code);
      if (home) home.result = r;
    }
    return items;
  }

  /** A blocker step's outcome whose blocker is gone (the step resolved it): shown under the list. */
  get detachedBlockerResult() {
    const r = this.blockerResult;
    return r && !this.blockers.some((b) => b.result) ? r : undefined;
  }

  /** A blocker's next step: open the criterion at the field to fix, apply the template, or ask the server. */
  async handleBlockerStep(event) {
    const { kind, target, field } = event.currentTarget.dataset;
    if (kind === 'open_criterion') {
      this.openEditor(target, FIX_FIELDS[field]);
      return;
    }
    if (kind === 'apply_template') {
      await this.handleApplyTemplate();
      return;
    }
    if (kind === 'review_failing_cases') {
      // the verdicts are set on the hallucination gate panel beside this one
      askToShow(this.messageContext, this.recordId, SOURCE, 'hallucination_failing_cases');
      return;
    }
    if (!REQUEST_KINDS.includes(kind)) return;
    const { code, message } = event.currentTarget.closest('li').dataset;
    this.saving = true;
    this.actionError = undefined;
    this.statusMessage = undefined;
    this.blockerResult = undefined;
    try {
      const result = await requestBlockerAction({ opportunityId: this.recordId, kind, target: target || null });
      if (result.scorecard) this.view = result.scorecard;
      this.blockerResult = { code, message, text: result.message, taskUrl: recordUrl(result.taskId, 'Task') };
      this.refresh();
      announceChange(this.messageContext, this.recordId, SOURCE, 'blocker_action');
    } catch (error) {
      this.blockerResult = { code, message, error: errorText(error) };
    } finally {
      this.saving = false;
    }
    // the outcome takes the focus where it is shown, which scrolls it into view
    this.focusSelector = '[data-id="blocker-result"]';
  }

  /** an open deal with a scorecard: the AE may ask the gate for production approval */
  get canRequestApproval() {
    return this.canSetUp && this.hasScorecard;
  }

  get approvalRefusal() {
    const r = this.approvalResult;
    if (!r || r.allowed) return undefined;
    // the trigger's message names the gate, then lists the blockers; the list is shown as the panel shows blockers
    return {
      heading: r.message || 'The gate refused production approval.',
      blockers: r.blockers.map((b, i) => blockerItem(b, `approval-${i}`))
    };
  }

  async handleRequestApproval() {
    this.saving = true;
    this.actionError = undefined;
    this.statusMessage = undefined;
    this.approvalResult = undefined;
    this.blockerResult = undefined;
    try {
      const result = await requestProductionApproval({ opportunityId: this.recordId });
      this.approvalResult = result;
      if (result.scorecard) this.view = result.scorecard;
      if (result.allowed) {
        this.statusMessage = `Production approval requested: the opportunity is at ${result.stageName}.`;
        announceChange(this.messageContext, this.recordId, SOURCE, 'approval_requested');
        // the stage moved: the page's own record views (highlights, path, details) read the opportunity again
        Promise.resolve(notifyRecordUpdateAvailable([{ recordId: this.recordId }])).catch(() => {});
      }
      this.refresh();
    } catch (error) {
      this.actionError = errorText(error);
    } finally {
      this.saving = false;
    }
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
    if (hasRate) rate = formatPercent(g.measuredValue);
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

  get unitOptions() {
    return [{ label: 'No unit', value: '' }].concat(
      ((this.view && this.view.unitOptions) || []).map((u) => ({ label: u.unit, value: u.unit }))
    );
  }

  get weightMax() {
    return this.view && this.view.weightMax !== undefined && this.view.weightMax !== null
      ? this.view.weightMax
      : 999.99;
  }

  get valueStep() {
    return VALUE_STEP;
  }

  get weightStep() {
    return WEIGHT_STEP;
  }

  limitsFor(unit) {
    const option = ((this.view && this.view.unitOptions) || []).find((u) => u.unit === unit);
    return option ? { min: option.min, max: option.max } : { min: -999999999999.9999, max: 999999999999.9999 };
  }

  get newTargetLimits() {
    const limits = this.limitsFor(this.newCriterion.unit);
    return { ...limits, message: `Enter a target ${rangeText(limits.min, limits.max, this.newCriterion.unit)}.` };
  }

  get weightRangeMessage() {
    return `Enter a weight from 0 to ${formatNumber(this.weightMax)}.`;
  }

  /** an edited row or a removal to confirm spans every column after the criterion's name */
  get editColspan() {
    return this.canEdit ? 8 : 7;
  }

  get rows() {
    const criteria = (this.view && this.view.criteria) || [];
    return criteria.map((c) => {
      const isEditing = c.id === this.editingId;
      // while editing, the inputs keep to the unit being chosen (the server checks the same range)
      const unit = isEditing && this.draft.unit !== (c.unit || '') ? this.draft.unit : c.unit;
      const limits = unit === c.unit ? { min: c.valueMin, max: c.valueMax } : this.limitsFor(unit);
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
        // Met and Not Met are measured (the Met column), never a status that could say the opposite
        statusText: c.status && !['Met', 'Not Met'].includes(c.status) ? c.status : 'No status',
        metLabel: c.met ? 'Met' : 'Not met',
        metClass: c.met ? 'slds-theme_success' : '',
        incomplete: !c.complete,
        isEditing,
        rowClass: isEditing || c.id === this.confirmingDeleteId ? 'gtm-row_open' : '',
        confirmingDelete: c.id === this.confirmingDeleteId,
        // the editor's fields carry short labels inside a group named after the criterion
        editLabel: `Edit ${c.metric}`,
        deleteLabel: `Remove ${c.metric}`,
        deleteQuestion: `Remove "${c.metric}" from the scorecard? Its target, actual and weight go with it.`,
        actualLabel: 'Actual',
        targetLabel: 'Target',
        directionLabel: 'Direction',
        unitLabel: 'Unit',
        weightLabel: 'Weight',
        ownerLabel: 'Owner',
        dueLabel: 'Due date',
        statusLabel: 'Status',
        valueMin: limits.min,
        valueMax: limits.max,
        rangeMessage: `Enter a value ${rangeText(limits.min, limits.max, unit)}.`
      };
    });
  }

  // ------------------------------------------------------------------ inline edit

  handleEdit(event) {
    this.openEditor(event.currentTarget.dataset.id);
  }

  /** Opens the inline editor on a criterion, the cursor in `field` (a data-field) or else in the actual. */
  openEditor(id, field) {
    const criterion = this.view.criteria.find((c) => c.id === id);
    if (!criterion) return;
    if (this.editingId && this.editingId !== id && this.draftDirty) {
      // never drop a draft silently: the open edit stays until it is saved or cancelled
      const open = this.view.criteria.find((c) => c.id === this.editingId);
      this.editNotice = `Save or cancel your changes to ${open ? open.metric : 'the open criterion'} first.`;
      this.focusSelector = `lightning-input[data-id="${this.editingId}"]`;
      return;
    }
    const text = (v) => (v === null || v === undefined ? '' : String(v));
    this.editingId = id;
    this.editNotice = undefined;
    this.confirmingDeleteId = undefined;
    this.draftActual = text(criterion.actualValue);
    this.draftStatus = criterion.status && this.view.statusOptions.includes(criterion.status) ? criterion.status : null;
    this.draft = {
      targetValue: text(criterion.targetValue),
      targetDirection: criterion.targetDirection || '',
      unit: criterion.unit || '',
      weight: text(criterion.weight),
      ownerId: criterion.ownerId || '',
      ownerName: criterion.ownerName || '',
      dueDate: criterion.dueDate || ''
    };
    this.draftDirty = false;
    this.actionError = undefined;
    this.focusSelector = field ? `tr[data-row="${id}"] [data-field="${field}"]` : `lightning-input[data-id="${id}"]`;
  }

  handleDraftActual(event) {
    this.draftActual = event.detail.value;
    this.draftDirty = true;
  }

  handleDraftStatus(event) {
    this.draftStatus = event.detail.value;
    this.draftDirty = true;
  }

  handleDraftField(event) {
    const field = event.target.dataset.field;
    this.draft = { ...this.draft, [field]: event.detail.value };
    this.draftDirty = true;
  }

  /** the owner lookup picked a person: its id is sent, its name shown */
  handleDraftOwner(event) {
    this.draft = { ...this.draft, ownerId: event.detail.value, ownerName: event.detail.label };
    this.draftDirty = true;
  }

  handleNewOwner(event) {
    this.newCriterion = { ...this.newCriterion, ownerId: event.detail.value, ownerName: event.detail.label };
  }

  handleRowKeydown(event) {
    if (!this.editingId || this.saving) return;
    if (event.key === 'Escape') {
      event.stopPropagation();
      this.handleCancelEdit();
    } else if (event.key === 'Enter' && !(event.target && event.target.tagName === 'LIGHTNING-COMBOBOX')) {
      // Enter saves, as in a Lightning inline edit (a combobox keeps Enter to pick its option). The field is left
      // first: a date input takes typed text in on blur, and a save before that would drop the typed date.
      event.preventDefault();
      event.stopPropagation();
      const active = this.template.activeElement;
      if (active && typeof active.blur === 'function') active.blur();
      Promise.resolve().then(() => this.handleSaveEdit());
    }
  }

  handleCancelEdit() {
    const id = this.editingId;
    this.editingId = undefined;
    this.draftDirty = false;
    this.editNotice = undefined;
    this.actionError = undefined;
    if (id) this.focusSelector = `lightning-button-icon[data-id="${id}"]`;
  }

  async handleSaveEdit() {
    const criterionId = this.editingId;
    const criterion = this.view.criteria.find((c) => c.id === criterionId);
    if (!criterion) return;
    const row = this.template.querySelector(`tr[data-row="${criterionId}"]`);
    const inputs = row ? Array.from(row.querySelectorAll('lightning-input')) : [];
    if (!allValid(inputs)) {
      this.actionError = 'Fix the highlighted values: nothing was saved.';
      return;
    }
    const actualValue = toNumberOrNull(this.draftActual);
    const targetValue = toNumberOrNull(this.draft.targetValue);
    const weight = toNumberOrNull(this.draft.weight);
    if ([actualValue, targetValue, weight].some((n) => n !== null && !Number.isFinite(n))) {
      this.actionError = 'Enter the values as numbers: nothing was saved.';
      return;
    }
    const hadActual = criterion.actualValue !== null && criterion.actualValue !== undefined;
    // a field left empty or unchanged is sent as null: the server keeps what it has
    const changed = (draftValue, saved) => {
      if (draftValue === '' || draftValue === (saved || '')) return null;
      return draftValue;
    };
    const unitChanged = (this.draft.unit || '') !== (criterion.unit || '');
    const saved = await this.mutate(
      () =>
        updateCriterion({
          criterionId,
          actualValue,
          // only an actual the person emptied is cleared; bad text never reaches this point
          clearActual: actualValue === null && hadActual,
          status: this.draftStatus || null,
          targetValue,
          targetDirection: changed(this.draft.targetDirection, criterion.targetDirection),
          unit: unitChanged ? this.draft.unit : null,
          weight,
          ownerId: changed(this.draft.ownerId, criterion.ownerId),
          dueDate: changed(this.draft.dueDate, criterion.dueDate)
        }),
      'Criterion saved'
    );
    if (saved) {
      this.editingId = undefined;
      this.draftDirty = false;
      this.editNotice = undefined;
      this.focusSelector = `lightning-button-icon[data-id="${criterionId}"]`;
    }
  }

  // ------------------------------------------------------------------ remove a criterion (asks first)

  handleAskDelete(event) {
    this.confirmingDeleteId = event.currentTarget.dataset.id;
    this.actionError = undefined;
    this.focusSelector = `lightning-button[data-action="keep-criterion"]`;
  }

  handleKeepCriterion() {
    const id = this.confirmingDeleteId;
    this.confirmingDeleteId = undefined;
    if (id) this.focusSelector = `lightning-button-icon[data-action="delete"][data-id="${id}"]`;
  }

  async handleConfirmDelete() {
    const criterionId = this.confirmingDeleteId;
    const removed = await this.mutate(() => deleteCriterion({ criterionId }), 'Criterion removed');
    if (removed) {
      this.confirmingDeleteId = undefined;
      this.focusSelector = 'lightning-button[data-action="show-add"]';
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
    const form = this.template.querySelector('[data-id="add-form"]');
    if (!allValid(form ? Array.from(form.querySelectorAll('lightning-input')) : [])) {
      this.addFormError = 'Fix the highlighted fields: nothing was added.';
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
          dueDate: this.newCriterion.dueDate || null,
          ownerId: this.newCriterion.ownerId || null,
          unit: this.newCriterion.unit || null
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

  /**
   * Runs one Apex mutation: shows the view it returns, refreshes the wire, says so; true when it succeeded. Success
   * is said inline (role=status, beside the score) rather than by a toast, so nothing covers the blocker list; a
   * failure is an inline alert.
   */
  async mutate(call, successTitle) {
    this.saving = true;
    this.actionError = undefined;
    this.statusMessage = undefined;
    this.blockerResult = undefined;
    try {
      const fresh = await call();
      if (fresh) this.view = fresh;
      this.statusMessage = `${successTitle}. ${this.scoreText}`;
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
