import { createElement } from '@lwc/engine-dom';
import PilotScorecard from 'c/pilotScorecard';
import getScorecard from '@salesforce/apex/GtmPilotScorecardController.getScorecard';
import updateCriterion from '@salesforce/apex/GtmPilotScorecardController.updateCriterion';
import addCriterion from '@salesforce/apex/GtmPilotScorecardController.addCriterion';
import applyTemplate from '@salesforce/apex/GtmPilotScorecardController.applyTemplate';
import deleteCriterion from '@salesforce/apex/GtmPilotScorecardController.deleteCriterion';
import requestProductionApproval from '@salesforce/apex/GtmPilotScorecardController.requestProductionApproval';
import requestBlockerAction from '@salesforce/apex/GtmPilotScorecardController.requestBlockerAction';
import { refreshApex } from '@salesforce/apex';
import { publish, subscribe } from 'lightning/messageService';
import { notifyRecordUpdateAvailable } from 'lightning/uiRecordApi';

const mockScorecard = require('./data/getScorecard.json');
const mockReady = require('./data/getScorecard.ready.json');
const mockEmpty = require('./data/getScorecard.empty.json');
const mockUpdated = require('./data/updateCriterion.json');
const mockError = require('./data/error.json');
const mockRequested = require('./data/requestBlockerAction.json');

jest.mock(
  '@salesforce/apex/GtmPilotScorecardController.getScorecard',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true }
);
jest.mock('@salesforce/apex/GtmPilotScorecardController.updateCriterion', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/GtmPilotScorecardController.addCriterion', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/GtmPilotScorecardController.applyTemplate', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/GtmPilotScorecardController.deleteCriterion', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/GtmPilotScorecardController.requestProductionApproval', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/GtmPilotScorecardController.requestBlockerAction', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex', () => ({ refreshApex: jest.fn(() => Promise.resolve()) }), { virtual: true });

const RECORD_ID = mockScorecard.opportunityId;

/** A copy of a fixture with some fields replaced, so one test's change never leaks into another. */
const variant = (base, changes) => ({ ...JSON.parse(JSON.stringify(base)), ...changes });

const formatDate = (iso) => {
  const [y, m, d] = iso.split('-').map(Number);
  return new Intl.DateTimeFormat(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC'
  }).format(new Date(Date.UTC(y, m - 1, d)));
};

/** Lets pending promises and the re-render they cause settle. */
const flush = async () => {
  for (let i = 0; i < 3; i++) {
    // eslint-disable-next-line no-await-in-loop
    await Promise.resolve();
  }
};

function mount() {
  const element = createElement('c-pilot-scorecard', { is: PilotScorecard });
  element.recordId = RECORD_ID;
  document.body.appendChild(element);
  return element;
}

async function mountWith(data) {
  const element = mount();
  getScorecard.emit(data);
  await flush();
  return element;
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => Array.from(element.shadowRoot.querySelectorAll(selector));
const text = (element, selector) => {
  const node = $(element, selector);
  return node ? node.textContent.replace(/\s+/g, ' ').trim() : null;
};
const button = (element, action) => $(element, `[data-action="${action}"]`);
const click = async (node) => {
  node.click();
  await flush();
};
const change = async (node, value) => {
  node.value = value;
  node.dispatchEvent(new CustomEvent('change', { detail: { value } }));
  await flush();
};

/** What c-gtm-user-lookup fires when a person is picked from its search results. */
const pickOwner = async (lookup, id, name) => {
  lookup.dispatchEvent(new CustomEvent('change', { detail: { value: id, label: name } }));
  await flush();
};

describe('c-pilot-scorecard', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  describe('loading and load errors', () => {
    it('shows a labelled spinner until the scorecard arrives, and asks for this opportunity', async () => {
      const element = mount();
      await flush();
      const spinner = $(element, 'lightning-spinner');
      expect(spinner).not.toBeNull();
      expect(spinner.alternativeText).toBe('Loading the pilot scorecard');
      expect(getScorecard.getLastConfig()).toEqual({ opportunityId: RECORD_ID });
    });

    it('shows the Apex message in an alert when the scorecard cannot be loaded', async () => {
      const element = mount();
      getScorecard.error(mockError.body);
      await flush();
      const alert = $(element, '[role="alert"]');
      expect(alert).not.toBeNull();
      expect(alert.textContent).toContain(mockError.body.message);
      expect($(element, 'lightning-spinner')).toBeNull();
      expect($(element, 'table')).toBeNull();
    });
  });

  describe('a pilot in progress', () => {
    it('shows the weighted score against the threshold, with the met and total weight', async () => {
      const element = await mountWith(mockScorecard);
      expect(text(element, '[data-id="score"]')).toBe('Score 65% (threshold 80%)');
      expect($(element, '[data-id="score"]').getAttribute('aria-live')).toBe('polite');
      expect($(element, 'lightning-progress-bar').value).toBe(65);
      expect(text(element, '[data-id="weight"]')).toBe('Met weight 6.5 of 10');
      expect(text(element, '[data-id="facts"]')).toContain(`pilot started ${formatDate('2026-11-16')}`);
    });

    it('says how overdue week-1 completion is and how many criteria are incomplete', async () => {
      const element = await mountWith(mockScorecard);
      expect(text(element, '[data-id="completion"]')).toBe(
        `Overdue by 3 days (was due ${formatDate(mockScorecard.completionDeadline)})`
      );
      expect(text(element, '[data-id="incomplete"]')).toBe('1 criterion lacks a target, owner or due date');
    });

    it('lists every blocker of production approval and the hallucination gate evidence', async () => {
      const element = await mountWith(mockScorecard);
      expect(text(element, '[data-id="readiness"]')).toBe('Blocks production approval:');
      const items = $$(element, '[data-id="blockers"] li');
      // the server's words and who acts, as they are: the panel neither rewords nor parses them
      expect(items.map((li) => li.querySelector('[data-id="blocker-message"]').textContent)).toEqual(
        mockScorecard.readiness.blockers.map((b) => b.message)
      );
      expect(items.map((li) => li.querySelector('[data-id="blocker-who"]').textContent)).toEqual(
        mockScorecard.readiness.blockers.map((b) => b.whoActs.label)
      );
      expect(items.map((li) => li.dataset.code)).toEqual(mockScorecard.readiness.blockers.map((b) => b.code));
      // every blocker has its next step: a button where one exists
      expect(items.map((li) => li.querySelector('[data-id="blocker-step"]').textContent.trim())).toEqual(
        mockScorecard.readiness.blockers.map((b) => b.next.label)
      );
      const gate = text(element, '[data-id="gate"]');
      expect(gate).toContain('Pending');
      expect(gate).toContain('1.5% of 180 audited responses');
      expect(gate).toContain(mockScorecard.gate.fallbackPath);
      expect(gate).toContain(formatDate(mockScorecard.gate.auditedDate));
    });

    it('renders one accessible table row per criterion with target, actual, owner, due date, status and met text', async () => {
      const element = await mountWith(mockScorecard);
      const table = $(element, 'table.slds-table');
      expect(table).not.toBeNull();
      expect($(element, 'lightning-datatable')).toBeNull();
      expect(text(element, 'table caption')).toBe('Pilot success criteria');
      expect($$(element, 'thead th').every((th) => th.getAttribute('scope') === 'col')).toBe(true);

      const rows = $$(element, 'tbody tr');
      expect(rows).toHaveLength(mockScorecard.criteria.length);
      const cells = (row) => Array.from(row.children).map((c) => c.textContent.replace(/\s+/g, ' ').trim());

      const first = cells(rows[0]);
      expect(rows[0].querySelector('th').getAttribute('scope')).toBe('row');
      expect(first.slice(0, 7)).toEqual([
        'AI resolution share',
        'At least 30%',
        '34%',
        '3',
        'Dana Whitfield',
        formatDate('2026-12-14'),
        'On Track'
      ]);
      expect(rows[0].querySelector('lightning-badge').label).toBe('Met');

      expect(cells(rows[1]).slice(1, 3)).toEqual(['At most 15 minutes', '11.5 minutes']);
      expect(rows[2].querySelector('lightning-badge').label).toBe('Not met');

      const incomplete = cells(rows[4]);
      expect(rows[4].querySelector('th div').textContent).toBe('Weekly active agents');
      expect(rows[4].querySelector('[data-id="incomplete-marker"]').textContent.trim()).toBe('Incomplete');
      expect(rows[0].querySelector('[data-id="incomplete-marker"]')).toBeNull();
      expect(incomplete.slice(1, 6)).toEqual(['No target', 'Not measured', '1.5', 'No owner', 'No due date']);
    });

    it('reads "Due in N days" and "Due today" before the week-1 deadline, and "Complete" once complete', async () => {
      const element = await mountWith(variant(mockScorecard, { completion: 'due', daysLeft: 4 }));
      expect(text(element, '[data-id="completion"]')).toBe(
        `Due in 4 days (by ${formatDate(mockScorecard.completionDeadline)})`
      );

      getScorecard.emit(variant(mockScorecard, { completion: 'due', daysLeft: 0 }));
      await flush();
      expect(text(element, '[data-id="completion"]')).toBe('Due today');

      getScorecard.emit(mockReady);
      await flush();
      expect(text(element, '[data-id="completion"]')).toBe('Complete');
      expect(text(element, '[data-id="incomplete"]')).toBe('Every criterion has a target, owner and due date.');
    });

    it('says a ready pilot is ready for production approval and lists no blockers', async () => {
      const element = await mountWith(mockReady);
      expect(text(element, '[data-id="readiness"]')).toBe('Ready for production approval');
      expect($(element, '[data-id="blockers"]')).toBeNull();
      expect(text(element, '[data-id="score"]')).toBe('Score 85% (threshold 80%)');
      expect(text(element, '[data-id="gate"]')).toContain('Passed');
    });

    it('never rounds a score up to the threshold', async () => {
      const element = await mountWith(variant(mockScorecard, { score: 0.7999 }));
      expect(text(element, '[data-id="score"]')).toBe('Score 79.9% (threshold 80%)');
    });
  });

  describe('no scorecard yet', () => {
    it('says what to do next and applies the standard template to this opportunity', async () => {
      applyTemplate.mockResolvedValue(mockScorecard);
      const element = await mountWith(mockEmpty);
      expect(text(element, '[data-id="empty"]')).toContain(
        'No pilot scorecard yet. Apply the standard template to start one.'
      );
      expect($(element, 'table')).toBeNull();
      const toast = jest.fn();
      element.addEventListener('lightning__showtoast', toast);

      await click(button(element, 'apply-template'));
      await flush();

      expect(applyTemplate).toHaveBeenCalledWith({ opportunityId: RECORD_ID });
      expect($$(element, 'tbody tr')).toHaveLength(mockScorecard.criteria.length);
      expect(text(element, '[data-id="score"]')).toBe('Score 65% (threshold 80%)');
      expect(refreshApex).toHaveBeenCalled();
      expect(text(element, '[data-id="status-message"]')).toBe('Standard template applied. Score 65% (threshold 80%)');
      expect(toast).not.toHaveBeenCalled();
    });

    it('offers no template button to a user who cannot edit criteria', async () => {
      const element = await mountWith(variant(mockEmpty, { canEdit: false }));
      expect(text(element, '[data-id="empty"]')).toContain("You can't edit pilot criteria");
      expect(button(element, 'apply-template')).toBeNull();
    });

    it('shows why applying the template failed', async () => {
      applyTemplate.mockRejectedValue(mockError);
      const element = await mountWith(mockEmpty);
      await click(button(element, 'apply-template'));
      await flush();
      expect(text(element, '[data-id="action-error"]')).toBe(mockError.body.message);
      expect($(element, '[data-id="action-error"]').getAttribute('role')).toBe('alert');
      expect(button(element, 'apply-template').disabled).toBe(false);
    });
  });

  describe('inline edit', () => {
    it('saves the actual and status of one criterion and shows the new score', async () => {
      let resolveSave;
      updateCriterion.mockReturnValue(
        new Promise((resolve) => {
          resolveSave = resolve;
        })
      );
      const element = await mountWith(mockScorecard);
      const toast = jest.fn();
      element.addEventListener('lightning__showtoast', toast);
      const target = mockScorecard.criteria[2];

      const edit = $(element, `lightning-button-icon[data-id="${target.id}"]`);
      expect(edit.alternativeText).toBe(`Edit ${target.metric}`);
      await click(edit);

      const actual = $(element, `lightning-input[data-id="${target.id}"]`);
      // short field labels inside a group named after the criterion
      expect(actual.label).toBe('Actual');
      expect(actual.closest('[role="group"]').getAttribute('aria-label')).toBe(`Edit ${target.metric}`);
      expect(actual.value).toBe('4.1');
      const status = $(element, 'tbody lightning-combobox[data-field="status"]');
      expect(status.label).toBe('Status');
      expect(status.options.map((o) => o.value)).toEqual(mockScorecard.statusOptions);

      await change(actual, '4.4');
      await change(status, 'On Track');
      await click(button(element, 'save-edit'));

      expect(updateCriterion).toHaveBeenCalledWith({
        criterionId: target.id,
        actualValue: 4.4,
        clearActual: false,
        status: 'On Track',
        targetValue: target.targetValue,
        targetDirection: null,
        unit: null,
        weight: target.weight,
        ownerId: null,
        dueDate: null
      });
      expect(button(element, 'save-edit').disabled).toBe(true);
      expect($(element, 'lightning-spinner').alternativeText).toBe('Saving');

      resolveSave(mockUpdated);
      await flush();

      expect(text(element, '[data-id="score"]')).toBe('Score 85% (threshold 80%)');
      expect(button(element, 'save-edit')).toBeNull();
      expect($$(element, 'tbody tr')[2].querySelector('lightning-badge').label).toBe('Met');
      expect(refreshApex).toHaveBeenCalled();
      expect(text(element, '[data-id="status-message"]')).toBe('Criterion saved. Score 85% (threshold 80%)');
      expect($(element, '[data-id="status-message"]').getAttribute('role')).toBe('status');
      // no toast: it would cover the blocker list (issue 13, defect 14)
      expect(toast).not.toHaveBeenCalled();
    });

    it('clears an actual the person emptied, explicitly (clearActual)', async () => {
      updateCriterion.mockResolvedValue(mockScorecard);
      const element = await mountWith(mockScorecard);
      const target = mockScorecard.criteria[0];
      await click($(element, `lightning-button-icon[data-id="${target.id}"]`));
      await change($(element, `lightning-input[data-id="${target.id}"]`), '');
      await click(button(element, 'save-edit'));
      expect(updateCriterion).toHaveBeenCalledWith(
        expect.objectContaining({ criterionId: target.id, actualValue: null, clearActual: true, status: 'On Track' })
      );
    });

    it('keeps the editor open and shows the readable message when the save fails', async () => {
      updateCriterion.mockRejectedValue(mockError);
      const element = await mountWith(mockScorecard);
      const target = mockScorecard.criteria[2];
      await click($(element, `lightning-button-icon[data-id="${target.id}"]`));
      await click(button(element, 'save-edit'));
      await flush();

      expect(text(element, '[data-id="action-error"]')).toBe(mockError.body.message);
      expect(button(element, 'save-edit')).not.toBeNull();
      expect(button(element, 'save-edit').disabled).toBe(false);
      expect(text(element, '[data-id="score"]')).toBe('Score 65% (threshold 80%)');
      expect(refreshApex).not.toHaveBeenCalled();
    });

    it('cancels with the Cancel button or the Escape key without saving', async () => {
      const element = await mountWith(mockScorecard);
      const target = mockScorecard.criteria[1];
      await click($(element, `lightning-button-icon[data-id="${target.id}"]`));
      await click(button(element, 'cancel-edit'));
      expect(button(element, 'save-edit')).toBeNull();

      await click($(element, `lightning-button-icon[data-id="${target.id}"]`));
      const row = $(element, `tr[data-row="${target.id}"]`);
      row.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
      await flush();
      expect(button(element, 'save-edit')).toBeNull();
      expect(updateCriterion).not.toHaveBeenCalled();
    });

    it('offers no editing, no add form and no template button when the user cannot edit', async () => {
      const element = await mountWith(variant(mockScorecard, { canEdit: false }));
      expect($$(element, 'tbody tr')).toHaveLength(mockScorecard.criteria.length);
      expect($(element, 'lightning-button-icon')).toBeNull();
      expect(button(element, 'show-add')).toBeNull();
      expect(button(element, 'apply-template')).toBeNull();
      expect($$(element, 'thead th')).toHaveLength(8);
    });
  });

  describe('add criterion', () => {
    it('requires a metric before calling Apex', async () => {
      const element = await mountWith(mockScorecard);
      await click(button(element, 'show-add'));
      const metric = $(element, 'lightning-input[data-field="metric"]');
      expect(metric.required).toBe(true);
      expect(metric.label).toBe('Metric');

      await change(metric, '   ');
      await click(button(element, 'save-add'));

      expect(addCriterion).not.toHaveBeenCalled();
      expect(text(element, '[data-id="add-error"]')).toBe('Enter the metric this criterion measures.');
      expect($(element, '[data-id="add-error"]').getAttribute('role')).toBe('alert');
    });

    it('adds a criterion with typed values and closes the form', async () => {
      const added = variant(mockScorecard, {});
      added.criteria.push({
        id: 'a04Dn00000NwCrit6AAA',
        metric: 'Escalation rate',
        unit: null,
        targetValue: 12,
        targetDirection: 'At most',
        actualValue: null,
        weight: 1,
        ownerId: null,
        ownerName: null,
        dueDate: '2026-12-21',
        status: 'Not Started',
        met: false,
        complete: false,
        valueMin: -999999999999.9999,
        valueMax: 999999999999.9999
      });
      addCriterion.mockResolvedValue(added);
      const element = await mountWith(mockScorecard);
      await click(button(element, 'show-add'));

      await change($(element, 'lightning-input[data-field="metric"]'), ' Escalation rate ');
      await change($(element, 'lightning-input[data-field="targetValue"]'), '12');
      await change($(element, 'lightning-combobox[data-field="targetDirection"]'), 'At most');
      await change($(element, 'lightning-input[data-field="weight"]'), '1');
      await change($(element, 'lightning-input[data-field="dueDate"]'), '2026-12-21');
      await click(button(element, 'save-add'));
      await flush();

      expect(addCriterion).toHaveBeenCalledWith({
        opportunityId: RECORD_ID,
        metric: 'Escalation rate',
        targetValue: 12,
        targetDirection: 'At most',
        weight: 1,
        dueDate: '2026-12-21',
        ownerId: null,
        unit: null
      });
      expect($(element, '[data-id="add-form"]')).toBeNull();
      expect($$(element, 'tbody tr')).toHaveLength(mockScorecard.criteria.length + 1);
      expect(refreshApex).toHaveBeenCalled();
    });

    it('sends empty optional fields as null and shows a failure in words', async () => {
      addCriterion.mockRejectedValue(mockError);
      const element = await mountWith(mockScorecard);
      await click(button(element, 'show-add'));
      await change($(element, 'lightning-input[data-field="metric"]'), 'Deflection rate');
      await click(button(element, 'save-add'));
      await flush();

      expect(addCriterion).toHaveBeenCalledWith({
        opportunityId: RECORD_ID,
        metric: 'Deflection rate',
        targetValue: null,
        targetDirection: 'At least',
        weight: null,
        dueDate: null,
        ownerId: null,
        unit: null
      });
      expect(text(element, '[data-id="action-error"]')).toBe(mockError.body.message);
      expect($(element, '[data-id="add-form"]')).not.toBeNull();
    });
  });

  // ------------------------------------------------------------------ issue 13

  /** A ratio criterion with a saved actual, as the AI resolution share of the template is. */
  const ratioCard = () => {
    const card = variant(mockScorecard, {});
    Object.assign(card.criteria[0], {
      unit: 'ratio',
      targetValue: 0.4,
      actualValue: 0.52,
      valueMin: 0,
      valueMax: 1
    });
    return card;
  };
  const openEditor = async (element, id) =>
    click($(element, `lightning-button-icon[data-action="edit"][data-id="${id}"]`));
  /** What a lightning-input reports for text that is not a number: value '' and validity.badInput. */
  const typeBadNumber = async (input) => {
    input.validity = { valid: false, badInput: true };
    input.reportValidity = jest.fn();
    await change(input, '');
  };

  describe('bad input never erases a saved value (defect 1)', () => {
    it('does not send "0.52e" (value \'\', badInput) as a cleared actual; the saved 0.52 stays', async () => {
      const card = ratioCard();
      const element = await mountWith(card);
      const target = card.criteria[0];
      await openEditor(element, target.id);
      const actual = $(element, `lightning-input[data-id="${target.id}"]`);
      await typeBadNumber(actual);
      await click(button(element, 'save-edit'));

      expect(updateCriterion).not.toHaveBeenCalled();
      expect(actual.reportValidity).toHaveBeenCalled();
      expect(text(element, '[data-id="action-error"]')).toBe('Fix the highlighted values: nothing was saved.');
      expect(button(element, 'save-edit')).not.toBeNull();
      expect(text(element, '[data-id="status-message"]')).toBe('');
    });

    it('sends an empty actual that was never set as "leave it", not as a clear', async () => {
      updateCriterion.mockResolvedValue(mockScorecard);
      const element = await mountWith(mockScorecard);
      const target = mockScorecard.criteria[4];
      await openEditor(element, target.id);
      await click(button(element, 'save-edit'));
      expect(updateCriterion).toHaveBeenCalledWith(
        expect.objectContaining({ criterionId: target.id, actualValue: null, clearActual: false })
      );
    });

    it('does not add a criterion whose target text is not a number ("0.3e")', async () => {
      const element = await mountWith(mockScorecard);
      await click(button(element, 'show-add'));
      await change($(element, 'lightning-input[data-field="metric"]'), 'Deflection rate');
      await typeBadNumber($(element, 'lightning-input[data-field="targetValue"]'));
      await click(button(element, 'save-add'));
      expect(addCriterion).not.toHaveBeenCalled();
      expect(text(element, '[data-id="add-error"]')).toBe('Fix the highlighted fields: nothing was added.');
    });
  });

  describe('values keep to their unit and field (defect 2)', () => {
    it("gives the actual and target inputs the unit's range, the field's step and a message saying what is allowed", async () => {
      const card = ratioCard();
      const element = await mountWith(card);
      await openEditor(element, card.criteria[0].id);
      const actual = $(element, `lightning-input[data-id="${card.criteria[0].id}"]`);
      expect([actual.min, actual.max, actual.step]).toEqual([0, 1, '0.0001']);
      expect(actual.messageWhenRangeOverflow).toBe('Enter a value from 0 to 1 (a ratio: 0.4 is 40%).');
      const target = $(element, 'tbody lightning-input[data-field="targetValue"]');
      expect([target.min, target.max]).toEqual([0, 1]);
      const weight = $(element, 'tbody lightning-input[data-field="weight"]');
      expect([weight.min, weight.max, weight.step]).toEqual(['0', 999.99, '0.01']);
    });

    it("while the unit is changed in the editor, the value inputs keep to the new unit's range", async () => {
      const element = await mountWith(mockScorecard);
      const target = mockScorecard.criteria[1];
      await openEditor(element, target.id);
      const row = $(element, `tr[data-row="${target.id}"]`);
      expect(row.querySelector('lightning-input[data-field="actualValue"]').max).toBe(999999999999.9999);
      await change(row.querySelector('lightning-combobox[data-field="unit"]'), 'ratio');
      const actual = row.querySelector('lightning-input[data-field="actualValue"]');
      expect([actual.min, actual.max]).toEqual([0, 1]);
      expect(actual.messageWhenRangeOverflow).toBe('Enter a value from 0 to 1 (a ratio: 0.4 is 40%).');
    });

    it('refuses an actual out of range (1e15 on a ratio) before calling Apex', async () => {
      const card = ratioCard();
      const element = await mountWith(card);
      await openEditor(element, card.criteria[0].id);
      const actual = $(element, `lightning-input[data-id="${card.criteria[0].id}"]`);
      actual.validity = { valid: false, rangeOverflow: true };
      await change(actual, '1e15');
      await click(button(element, 'save-edit'));
      expect(updateCriterion).not.toHaveBeenCalled();
    });

    it("the add form's target takes the range of the chosen unit", async () => {
      const element = await mountWith(mockScorecard);
      await click(button(element, 'show-add'));
      await change($(element, 'lightning-combobox[data-field="unit"]'), 'ratio');
      const target = $(element, 'lightning-input[data-field="targetValue"]');
      expect([target.min, target.max]).toEqual([0, 1]);
      expect(target.messageWhenRangeUnderflow).toBe('Enter a target from 0 to 1 (a ratio: 0.4 is 40%).');
      await change($(element, 'lightning-combobox[data-field="unit"]'), '%');
      expect($(element, 'lightning-input[data-field="targetValue"]').max).toBe(100);
    });
  });

  describe('everything completeness needs is editable on the page (defect 3)', () => {
    it('edits target, direction, unit, weight, owner and due date inline and sends only what changed', async () => {
      updateCriterion.mockResolvedValue(mockScorecard);
      const element = await mountWith(mockScorecard);
      const target = mockScorecard.criteria[4];
      await openEditor(element, target.id);
      const row = $(element, `tr[data-row="${target.id}"]`);
      await change(row.querySelector('lightning-input[data-field="targetValue"]'), '40');
      await change(row.querySelector('lightning-input[data-field="weight"]'), '2');
      await change(row.querySelector('lightning-combobox[data-field="targetDirection"]'), 'At most');
      // the owner is a type-ahead lookup (c-gtm-user-lookup), not a list of every user
      const owner = row.querySelector('c-gtm-user-lookup[data-field="ownerId"]');
      expect(owner.valueLabel).toBe(target.ownerName || '');
      await pickOwner(owner, '005Dn00000CsUserAAA', 'Chris Stone');
      expect(owner.valueLabel).toBe('Chris Stone');
      await change(row.querySelector('lightning-input[data-field="dueDate"]'), '2026-12-28');
      await click(button(element, 'save-edit'));
      expect(updateCriterion).toHaveBeenCalledWith({
        criterionId: target.id,
        actualValue: null,
        clearActual: false,
        status: target.status,
        targetValue: 40,
        targetDirection: 'At most',
        unit: null,
        weight: 2,
        ownerId: '005Dn00000CsUserAAA',
        dueDate: '2026-12-28'
      });
    });

    it('adds a criterion with an owner and a unit', async () => {
      addCriterion.mockResolvedValue(mockScorecard);
      const element = await mountWith(mockScorecard);
      await click(button(element, 'show-add'));
      await change($(element, 'lightning-input[data-field="metric"]'), 'Escalation rate');
      await change($(element, 'lightning-combobox[data-field="unit"]'), 'ratio');
      await pickOwner($(element, 'c-gtm-user-lookup[data-field="ownerId"]'), '005Dn00000SeUserAAA', 'Sam Evans');
      await click(button(element, 'save-add'));
      expect(addCriterion).toHaveBeenCalledWith(
        expect.objectContaining({ metric: 'Escalation rate', unit: 'ratio', ownerId: '005Dn00000SeUserAAA' })
      );
    });

    it('removes a criterion only after the person confirms', async () => {
      const fewer = variant(mockScorecard, {});
      fewer.criteria.splice(1, 1);
      deleteCriterion.mockResolvedValue(fewer);
      const element = await mountWith(mockScorecard);
      const target = mockScorecard.criteria[1];
      await click($(element, `lightning-button-icon[data-action="delete"][data-id="${target.id}"]`));
      expect(deleteCriterion).not.toHaveBeenCalled();
      expect(text(element, '[data-id="delete-confirm"]')).toContain(`Remove "${target.metric}" from the scorecard?`);
      await click(button(element, 'keep-criterion'));
      expect($(element, '[data-id="delete-confirm"]')).toBeNull();
      expect(deleteCriterion).not.toHaveBeenCalled();

      await click($(element, `lightning-button-icon[data-action="delete"][data-id="${target.id}"]`));
      await click(button(element, 'confirm-delete'));
      await flush();
      expect(deleteCriterion).toHaveBeenCalledWith({ criterionId: target.id });
      expect($$(element, 'tbody tr')).toHaveLength(mockScorecard.criteria.length - 1);
      expect(text(element, '[data-id="status-message"]')).toContain('Criterion removed');
    });

    it('says when the weights do not add up to 100', async () => {
      const element = await mountWith(mockScorecard);
      expect(text(element, '[data-id="weight-sum"]')).toBe(
        'Weights add up to 10, not 100: the score divides the met weight by 10.'
      );
      const hundred = variant(mockScorecard, { totalWeight: 100 });
      getScorecard.emit(hundred);
      await flush();
      expect($(element, '[data-id="weight-sum"]')).toBeNull();
    });
  });

  describe('status and the Met badge cannot contradict each other (defect 4)', () => {
    it('offers only progress words as status, and never shows a typed "Not Met" beside a measured Met', async () => {
      const card = variant(mockScorecard, {});
      card.criteria[0].status = 'Not Met';
      const element = await mountWith(card);
      const row = $$(element, 'tbody tr')[0];
      expect(row.querySelector('lightning-badge').label).toBe('Met');
      expect(row.textContent).not.toContain('Not Met');
      await openEditor(element, card.criteria[0].id);
      const status = $(element, 'tbody lightning-combobox[data-field="status"]');
      expect(status.options.map((o) => o.value)).toEqual(['Not Started', 'On Track', 'At Risk']);
      expect(status.value).toBeNull();
    });
  });

  describe('setup only on open deals (defect 7)', () => {
    it('offers neither the template nor new criteria on a closed deal, and says why', async () => {
      const element = await mountWith(variant(mockEmpty, { canSetUp: false }));
      expect(button(element, 'apply-template')).toBeNull();
      expect(text(element, '[data-id="closed"]')).toBe('This opportunity is closed: a closed deal starts no pilot.');
      expect(text(element, '[data-id="empty"]')).not.toContain('Apply the standard template');

      getScorecard.emit(variant(mockScorecard, { canSetUp: false }));
      await flush();
      expect(button(element, 'apply-template')).toBeNull();
      expect(button(element, 'show-add')).toBeNull();
      expect($(element, 'lightning-button-icon[data-action="edit"]')).not.toBeNull();
    });
  });

  describe('one format per kind of value (defect 11)', () => {
    it('shows ratios and rates as percentages, and blockers in the words the server formatted', async () => {
      const card = ratioCard();
      card.criteria[0].actualValue = 0.2272;
      // the server writes scores and dates as the panel does; text it did not format is shown as it came, never
      // rewritten by pattern (an ISO date in a message stays one)
      card.readiness.blockers = [
        { ...mockScorecard.readiness.blockers[0], message: 'scorecard score 30% is below the 80% threshold' },
        { ...mockScorecard.readiness.blockers[3], message: 'Security Questionnaire expired (2026-12-01)' }
      ];
      const element = await mountWith(card);
      const cells = Array.from($$(element, 'tbody tr')[0].children).map((c) => c.textContent.trim());
      expect(cells.slice(1, 3)).toEqual(['At least 40%', '22.7%']);
      expect($$(element, '[data-id="blocker-message"]').map((m) => m.textContent)).toEqual([
        'scorecard score 30% is below the 80% threshold',
        'Security Questionnaire expired (2026-12-01)'
      ]);
      expect(text(element, '[data-id="gate"]')).toContain('1.5% of 180 audited responses');
    });
  });

  describe("a blocker's next step (issue 13)", () => {
    const stepButton = (element, code) => $(element, `li[data-code="${code}"] [data-id="blocker-step"]`);

    it('opens the criterion a completeness blocker names, at the field to fill', async () => {
      const element = await mountWith(mockScorecard);
      const blocker = mockScorecard.readiness.blockers.find((b) => b.code === 'scorecard_incomplete');
      await click(stepButton(element, 'scorecard_incomplete'));
      await flush();
      const row = $(element, `tr[data-row="${blocker.next.target}"]`);
      expect(row.querySelector('[role="group"]')).not.toBeNull();
      // the editor is that criterion's, with the field the fix names (Owner__c: the owner lookup); the browser
      // test checks the cursor lands there
      expect(row.querySelector('[data-field="ownerId"]')).not.toBeNull();
      expect($$(element, '[role="group"]')).toHaveLength(1);
      expect(requestBlockerAction).not.toHaveBeenCalled();
    });

    it('asks the server for a renewal and says what was recorded beside that blocker, focused', async () => {
      requestBlockerAction.mockResolvedValue(mockRequested);
      const element = await mountWith(mockScorecard);
      await click(stepButton(element, 'collateral_expires_before_close'));
      await flush();
      expect(requestBlockerAction).toHaveBeenCalledWith({
        opportunityId: RECORD_ID,
        kind: 'request_collateral_renewal',
        target: 'SOC 2 Type II'
      });
      // at 768 px the card's top is out of view: the outcome is under the step that was taken, nowhere else
      const li = $(element, 'li[data-code="collateral_expires_before_close"]');
      const result = li.querySelector('[data-id="blocker-result"]');
      expect(result.querySelector('[role="status"]').textContent).toBe(mockRequested.message);
      expect($$(element, '[data-id="blocker-result"]')).toHaveLength(1);
      expect(text(element, '[data-id="status-message"]')).toBe('');
      expect(element.shadowRoot.activeElement).toBe(result);
      // the request can be followed to the Task's page
      expect(li.querySelector('a[data-id="requested-task"]').getAttribute('href')).toBe(
        `/lightning/r/Task/${mockRequested.taskId}/view`
      );
    });

    it('shows the outcome under the list when the step resolved its blocker, and clears it on the next edit', async () => {
      const resolved = variant(mockRequested, {});
      resolved.scorecard.readiness.blockers = resolved.scorecard.readiness.blockers.filter(
        (b) => b.code !== 'collateral_expires_before_close'
      );
      requestBlockerAction.mockResolvedValue(resolved);
      const element = await mountWith(mockScorecard);
      await click(stepButton(element, 'collateral_expires_before_close'));
      await flush();
      const results = $$(element, '[data-id="blocker-result"]');
      expect(results).toHaveLength(1);
      expect(results[0].closest('li')).toBeNull();
      expect(results[0].textContent).toContain(mockRequested.message);

      applyTemplate.mockResolvedValue(mockScorecard);
      await click(button(element, 'apply-template'));
      await flush();
      expect($$(element, '[data-id="blocker-result"]')).toHaveLength(0);
    });

    it('asks for a hallucination audit with no target', async () => {
      requestBlockerAction.mockResolvedValue(mockRequested);
      const element = await mountWith(mockScorecard);
      await click(stepButton(element, 'audit_sample_small'));
      await flush();
      expect(requestBlockerAction).toHaveBeenCalledWith({
        opportunityId: RECORD_ID,
        kind: 'request_hallucination_audit',
        target: null
      });
    });

    it('shows a refused request as an error beside its blocker and keeps the list', async () => {
      requestBlockerAction.mockRejectedValue(mockError);
      const element = await mountWith(mockScorecard);
      await click(stepButton(element, 'audit_sample_small'));
      await flush();
      const li = $(element, 'li[data-code="audit_sample_small"]');
      expect(li.querySelector('[role="alert"]').textContent).toContain(mockError.body.message);
      expect($$(element, '[data-id="blockers"] li')).toHaveLength(mockScorecard.readiness.blockers.length);
      // nothing changed, so nothing is announced to the other panels
      expect(publish).not.toHaveBeenCalled();
    });

    it('says who acts in words where no step exists', async () => {
      const card = variant(mockScorecard, {});
      card.readiness.blockers = [
        {
          code: 'audit_rate_above_max',
          message: 'hallucination rate 3.40% is above the 2.00% maximum',
          whoActs: { role: 'audit_owner', name: null, label: 'The hallucination audit team' },
          fix: {
            objectApiName: 'GTM_Launch_Gate__c',
            recordId: 'a07Dn00000NwGate1AAA',
            fieldApiName: 'Measured_Value__c'
          },
          next: { kind: 'none', label: 'The AI team lowers the hallucination rate; a new audit then measures it' }
        }
      ];
      const element = await mountWith(card);
      const li = $(element, 'li[data-code="audit_rate_above_max"]');
      expect(li.querySelector('[data-id="blocker-step"]')).toBeNull();
      expect(li.querySelector('[data-id="blocker-next"]').textContent).toBe(card.readiness.blockers[0].next.label);
      expect(li.querySelector('[data-id="blocker-who"]').textContent).toBe('The hallucination audit team');
    });
  });

  describe('inline edit keys and drafts (defect 14)', () => {
    it('saves with Enter', async () => {
      updateCriterion.mockResolvedValue(mockUpdated);
      const element = await mountWith(mockScorecard);
      const target = mockScorecard.criteria[2];
      await openEditor(element, target.id);
      const actual = $(element, `lightning-input[data-id="${target.id}"]`);
      await change(actual, '4.4');
      actual.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
      await flush();
      expect(updateCriterion).toHaveBeenCalledWith(
        expect.objectContaining({ criterionId: target.id, actualValue: 4.4 })
      );
    });

    it("keeps a changed draft when another row's pencil is clicked, and says so", async () => {
      const element = await mountWith(mockScorecard);
      const first = mockScorecard.criteria[2];
      const second = mockScorecard.criteria[1];
      await openEditor(element, first.id);
      await change($(element, `lightning-input[data-id="${first.id}"]`), '4.4');
      await openEditor(element, second.id);
      expect($(element, `lightning-input[data-id="${first.id}"]`).value).toBe('4.4');
      expect($(element, `lightning-input[data-id="${second.id}"]`)).toBeNull();
      expect(text(element, '[data-id="edit-notice"]')).toBe(`Save or cancel your changes to ${first.metric} first.`);

      await click(button(element, 'cancel-edit'));
      await openEditor(element, second.id);
      expect($(element, `lightning-input[data-id="${second.id}"]`)).not.toBeNull();
      expect($(element, '[data-id="edit-notice"]')).toBeNull();
    });

    it('moves to another row at once when the open edit has no changes', async () => {
      const element = await mountWith(mockScorecard);
      await openEditor(element, mockScorecard.criteria[2].id);
      await openEditor(element, mockScorecard.criteria[1].id);
      expect($(element, `lightning-input[data-id="${mockScorecard.criteria[1].id}"]`)).not.toBeNull();
    });
  });

  describe('the criteria keep to the card (issue 13, item 1)', () => {
    it('lays the table out fixed, with a label on every value cell for the narrow stacked layout', async () => {
      const element = await mountWith(mockScorecard);
      expect($(element, 'table[data-id="criteria"]').classList).toContain('gtm-table');
      const row = $(element, `tr[data-row="${mockScorecard.criteria[0].id}"]`);
      expect(Array.from(row.querySelectorAll('td[data-label]')).map((td) => td.dataset.label)).toEqual([
        'Target',
        'Actual',
        'Weight',
        'Owner',
        'Due date',
        'Status',
        'Met'
      ]);
    });

    it('opens an edited row as one form across the columns after the name, with Save and Cancel in it', async () => {
      const element = await mountWith(mockScorecard);
      const target = mockScorecard.criteria[1];
      await openEditor(element, target.id);
      const row = $(element, `tr[data-row="${target.id}"]`);
      const cells = Array.from(row.children);
      expect(cells.map((c) => c.tagName)).toEqual(['TH', 'TD']);
      expect(cells[1].getAttribute('colspan')).toBe('8');
      expect(Array.from(cells[1].querySelectorAll('[data-field]')).map((f) => f.dataset.field)).toEqual([
        'targetValue',
        'targetDirection',
        'unit',
        'actualValue',
        'weight',
        'ownerId',
        'dueDate',
        'status'
      ]);
      expect(cells[1].querySelector('[data-action="save-edit"]')).not.toBeNull();
      expect(cells[1].querySelector('[data-action="cancel-edit"]')).not.toBeNull();
      // the other rows keep their columns
      const other = $(element, `tr[data-row="${mockScorecard.criteria[0].id}"]`);
      expect(other.querySelectorAll('td').length).toBe(8);
    });

    it('asks to confirm a removal across the row, not inside the narrow actions column', async () => {
      const element = await mountWith(mockScorecard);
      const victim = mockScorecard.criteria[0];
      await click($(element, `lightning-button-icon[data-action="delete"][data-id="${victim.id}"]`));
      const row = $(element, `tr[data-row="${victim.id}"]`);
      const confirm = row.querySelector('[data-id="delete-confirm"]');
      expect(confirm.closest('td').getAttribute('colspan')).toBe('8');
    });
  });

  describe('the other panels of the deal (c/gtmRecordSync)', () => {
    const deliver = (message) => {
      const listener = subscribe.mock.calls[subscribe.mock.calls.length - 1][2];
      listener(message);
    };

    it("announces a blocker's request to the deal's other panels", async () => {
      requestBlockerAction.mockResolvedValue(mockRequested);
      const element = await mountWith(mockScorecard);
      await click($(element, 'li[data-code="collateral_expires_before_close"] [data-id="blocker-step"]'));
      await flush();
      expect(publish).toHaveBeenCalledTimes(1);
      expect(publish.mock.calls[0][2]).toEqual({
        recordId: RECORD_ID,
        source: 'pilotScorecard',
        change: 'blocker_action'
      });
    });

    it('a Provisional gate\'s "Review the failing case" asks the gate panel to show its cases, calling no Apex', async () => {
      const card = variant(mockScorecard, {});
      card.readiness.blockers = [
        {
          code: 'audit_not_passed',
          message:
            'hallucination gate is Provisional: the one-sided 95% upper bound 2.21% (1 of 200) is above the 2.00% maximum; at n = 200 the strict gate allows 0',
          whoActs: { role: 'account_executive', name: 'Priya Raman', label: 'Priya Raman (account executive)' },
          fix: { objectApiName: 'GTM_Launch_Gate__c', recordId: null, fieldApiName: null },
          next: { kind: 'review_failing_cases', label: 'Review the failing case', target: null }
        }
      ];
      const element = await mountWith(card);
      const step = $(element, 'li[data-code="audit_not_passed"] [data-id="blocker-step"]');
      expect(step.textContent.trim()).toBe('Review the failing case');
      await click(step);
      expect(publish.mock.calls.map((c) => c[2])).toEqual([
        { recordId: RECORD_ID, source: 'pilotScorecard', show: 'hallucination_failing_cases' }
      ]);
      expect(requestBlockerAction).not.toHaveBeenCalled();
    });

    it('reads the scorecard again when another panel changed this deal, not for another deal or itself', async () => {
      await mountWith(mockScorecard);
      refreshApex.mockClear();
      deliver({ recordId: 'a-different-deal', source: 'hallucinationGate', change: 'verdict_saved' });
      deliver({ recordId: RECORD_ID, source: 'pilotScorecard', change: 'blocker_action' });
      expect(refreshApex).not.toHaveBeenCalled();
      deliver({ recordId: RECORD_ID, source: 'securityPacketStatus', change: 'packet_updated' });
      expect(refreshApex).toHaveBeenCalledTimes(1);
    });
  });

  describe('request production approval (issue 13)', () => {
    it('shows the gate refusal in its words with each blocker, and moves nothing on the page', async () => {
      const blockers = mockUpdated.readiness.blockers;
      requestProductionApproval.mockResolvedValue({
        allowed: false,
        stageName: mockScorecard.stageName,
        message: 'Cannot move to Production Approval: the pilot is not ready for production approval',
        blockers,
        scorecard: mockScorecard
      });
      const element = await mountWith(mockScorecard);
      await click(button(element, 'request-approval'));
      await flush();
      expect(requestProductionApproval).toHaveBeenCalledWith({ opportunityId: RECORD_ID });
      expect(text(element, '[data-id="approval-message"]')).toBe(
        'Cannot move to Production Approval: the pilot is not ready for production approval'
      );
      expect($$(element, '[data-id="approval-blockers"] li').map((li) => li.textContent)).toEqual(
        blockers.map((b) => b.message)
      );
      expect($(element, '[data-id="approval-refused"]').getAttribute('role')).toBe('alert');
      // nothing moved: nothing to tell
      expect(notifyRecordUpdateAvailable).not.toHaveBeenCalled();
      expect(publish).not.toHaveBeenCalled();
    });

    it('says the deal moved when the gate allows it', async () => {
      requestProductionApproval.mockResolvedValue({
        allowed: true,
        stageName: 'Production Approval',
        message: null,
        blockers: [],
        scorecard: mockScorecard
      });
      const element = await mountWith(mockScorecard);
      await click(button(element, 'request-approval'));
      await flush();
      expect(text(element, '[data-id="status-message"]')).toBe(
        'Production approval requested: the opportunity is at Production Approval.'
      );
      expect($(element, '[data-id="approval-refused"]')).toBeNull();
      // the stage moved: the page's record views and the deal's other panels are told
      expect(notifyRecordUpdateAvailable).toHaveBeenCalledWith([{ recordId: RECORD_ID }]);
      expect(publish.mock.calls.map((c) => c[2])).toEqual([
        { recordId: RECORD_ID, source: 'pilotScorecard', change: 'approval_requested' }
      ]);
    });

    it('is not offered on a closed deal', async () => {
      const element = await mountWith(variant(mockScorecard, { canSetUp: false }));
      expect(button(element, 'request-approval')).toBeNull();
    });
  });
});
