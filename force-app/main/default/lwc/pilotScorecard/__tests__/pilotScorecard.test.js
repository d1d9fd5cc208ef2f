import { createElement } from '@lwc/engine-dom';
import PilotScorecard from 'c/pilotScorecard';
import getScorecard from '@salesforce/apex/GtmPilotScorecardController.getScorecard';
import updateCriterion from '@salesforce/apex/GtmPilotScorecardController.updateCriterion';
import addCriterion from '@salesforce/apex/GtmPilotScorecardController.addCriterion';
import applyTemplate from '@salesforce/apex/GtmPilotScorecardController.applyTemplate';
import { refreshApex } from '@salesforce/apex';

const mockScorecard = require('./data/getScorecard.json');
const mockReady = require('./data/getScorecard.ready.json');
const mockEmpty = require('./data/getScorecard.empty.json');
const mockUpdated = require('./data/updateCriterion.json');
const mockError = require('./data/error.json');

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
      const blockers = $$(element, '[data-id="blockers"] li').map((li) => li.textContent);
      expect(blockers).toEqual(mockScorecard.readiness.blockers);
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
        'Met'
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
      expect(toast).toHaveBeenCalled();
      expect(toast.mock.calls[0][0].detail.variant).toBe('success');
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
      expect(edit.alternativeText).toBe(`Edit actual and status of ${target.metric}`);
      await click(edit);

      const actual = $(element, `lightning-input[data-id="${target.id}"]`);
      expect(actual.label).toBe(`Actual value for ${target.metric}`);
      expect(actual.value).toBe('4.1');
      const status = $(element, 'tbody lightning-combobox');
      expect(status.label).toBe(`Status for ${target.metric}`);
      expect(status.options.map((o) => o.value)).toEqual(mockScorecard.statusOptions);

      await change(actual, '4.4');
      await change(status, 'Met');
      await click(button(element, 'save-edit'));

      expect(updateCriterion).toHaveBeenCalledWith({ criterionId: target.id, actualValue: 4.4, status: 'Met' });
      expect(button(element, 'save-edit').disabled).toBe(true);
      expect($(element, 'lightning-spinner').alternativeText).toBe('Saving');

      resolveSave(mockUpdated);
      await flush();

      expect(text(element, '[data-id="score"]')).toBe('Score 85% (threshold 80%)');
      expect(button(element, 'save-edit')).toBeNull();
      expect($$(element, 'tbody tr')[2].querySelector('lightning-badge').label).toBe('Met');
      expect(refreshApex).toHaveBeenCalled();
      expect(toast.mock.calls[0][0].detail).toMatchObject({ variant: 'success', message: 'Score 85% (threshold 80%)' });
    });

    it('sends a cleared actual as null', async () => {
      updateCriterion.mockResolvedValue(mockScorecard);
      const element = await mountWith(mockScorecard);
      const target = mockScorecard.criteria[0];
      await click($(element, `lightning-button-icon[data-id="${target.id}"]`));
      await change($(element, `lightning-input[data-id="${target.id}"]`), '');
      await click(button(element, 'save-edit'));
      expect(updateCriterion).toHaveBeenCalledWith({ criterionId: target.id, actualValue: null, status: 'Met' });
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
        complete: false
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
        dueDate: '2026-12-21'
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
        dueDate: null
      });
      expect(text(element, '[data-id="action-error"]')).toBe(mockError.body.message);
      expect($(element, '[data-id="add-form"]')).not.toBeNull();
    });
  });
});
