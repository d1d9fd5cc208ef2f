import { createElement } from 'lwc';
import ExpansionTriggerQueue from 'c/expansionTriggerQueue';
import getTriggerQueue from '@salesforce/apex/GtmExpansionQueueController.getTriggerQueue';
import acceptQueuedTrigger from '@salesforce/apex/GtmExpansionQueueController.acceptQueuedTrigger';
import dismissQueuedTrigger from '@salesforce/apex/GtmExpansionQueueController.dismissQueuedTrigger';
import snoozeTrigger from '@salesforce/apex/GtmExpansionQueueController.snoozeTrigger';

const QUEUE = require('./data/getTriggerQueue.json');
const ACCEPTED = require('./data/acceptQueuedTrigger.json');
const SNOOZED = require('./data/snoozeTrigger.json');
const ERROR = require('./data/error.json');

jest.mock('@salesforce/apex/GtmExpansionQueueController.getTriggerQueue', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/GtmExpansionQueueController.acceptQueuedTrigger', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/GtmExpansionQueueController.dismissQueuedTrigger', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/GtmExpansionQueueController.snoozeTrigger', () => ({ default: jest.fn() }), {
  virtual: true
});

const TOAST = 'lightning__showtoast';
// eslint-disable-next-line @lwc/lwc/no-async-operation
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => Array.from(element.shadowRoot.querySelectorAll(selector));
const names = (element) => $$(element, 'tr[data-id="row"] a[data-id="account"]').map((a) => a.textContent.trim());
const button = (element, dataId) => $(element, `lightning-button[data-id="${dataId}"]`);

function change(element, selector, value) {
  const input = $(element, selector);
  input.value = value;
  input.dispatchEvent(new CustomEvent('change', { detail: { value } }));
}

async function mountWith(queue = QUEUE) {
  getTriggerQueue.mockResolvedValue(queue);
  const element = createElement('c-expansion-trigger-queue', { is: ExpansionTriggerQueue });
  document.body.appendChild(element);
  await flush();
  return element;
}

async function openDecision(element, accountName) {
  const index = names(element).indexOf(accountName);
  $$(element, 'lightning-button[data-id="decide"]')[index].click();
  await flush();
}

describe('c-expansion-trigger-queue', () => {
  afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    jest.clearAllMocks();
  });

  it('lists every undecided trigger that is not snoozed, oldest first, with account, owner, week, share and age', async () => {
    const element = await mountWith();
    expect(getTriggerQueue).toHaveBeenCalledWith({});
    expect(names(element)).toEqual(['Foxglove Supply', 'Alder Pharma', 'Birchwood Retail']);
    const first = $(element, 'tr[data-id="row"]');
    expect(first.querySelector('[data-id="owner"]').textContent).toBe('Dana Reyes');
    expect(first.querySelector('[data-id="fired"]').textContent).toContain('2026-W30');
    expect(first.querySelector('[data-id="age"]').textContent).toBe('127 days');
    expect(first.querySelector('[data-id="share"]').textContent).toBe('48.1%');
    expect(first.querySelector('a').getAttribute('href')).toBe('/lightning/r/Account/0015g00000ACC1AAA/view');
    expect($(element, '[data-id="summary"]').textContent.trim()).toBe(
      '4 undecided triggers, 1 snoozed (hidden); 3 shown.'
    );
  });

  it('shows snoozed triggers on request, with the day they come back', async () => {
    const element = await mountWith();
    const box = $(element, 'lightning-input[data-id="show-snoozed"]');
    box.checked = true;
    box.dispatchEvent(new CustomEvent('change'));
    await flush();
    expect(names(element)).toContain('Cedar Logistics');
    expect($(element, '[data-id="snoozed"]').textContent).toMatch(/^Snoozed until Dec 15, 2026$/);
  });

  it('filters by status, owner and age', async () => {
    const element = await mountWith();
    change(element, 'lightning-combobox[data-id="status-filter"]', 'Open');
    await flush();
    expect(names(element)).toEqual(['Alder Pharma']);

    change(element, 'lightning-combobox[data-id="status-filter"]', 'all');
    change(element, 'lightning-combobox[data-id="owner-filter"]', 'Dana Reyes');
    await flush();
    expect(names(element)).toEqual(['Foxglove Supply', 'Birchwood Retail']);
    expect($(element, 'lightning-combobox[data-id="owner-filter"]').options.map((o) => o.value)).toEqual([
      'all',
      'Ana Li',
      'Dana Reyes',
      'Sam Ortiz'
    ]);

    change(element, 'lightning-combobox[data-id="owner-filter"]', 'all');
    change(element, 'lightning-input[data-id="age-filter"]', '20');
    await flush();
    expect(names(element)).toEqual(['Foxglove Supply', 'Alder Pharma']);
  });

  it('sorts by share, account or owner, either way', async () => {
    const element = await mountWith();
    change(element, 'lightning-combobox[data-id="sort-by"]', 'share');
    await flush();
    expect(names(element)).toEqual(['Birchwood Retail', 'Foxglove Supply', 'Alder Pharma']);
    button(element, 'sort-direction').click();
    await flush();
    expect(names(element)).toEqual(['Alder Pharma', 'Foxglove Supply', 'Birchwood Retail']);
    change(element, 'lightning-combobox[data-id="sort-by"]', 'account');
    await flush();
    expect(names(element)).toEqual(['Alder Pharma', 'Birchwood Retail', 'Foxglove Supply']);
  });

  it('accepts from the list, linking an open opportunity of the account picked by name', async () => {
    acceptQueuedTrigger.mockResolvedValue(ACCEPTED);
    const element = await mountWith();
    const toast = jest.fn();
    element.addEventListener(TOAST, toast);
    await openDecision(element, 'Foxglove Supply');
    const picker = $(element, 'lightning-combobox[data-id="opportunity"]');
    expect(picker.options.map((o) => o.label)).toEqual([
      'None: create a follow-up task with the playbook',
      'Foxglove Supply - Expansion (Qualification)'
    ]);
    change(element, 'lightning-combobox[data-id="opportunity"]', '0065g00000OPP1AAA');
    button(element, 'accept').click();
    await flush();
    expect(acceptQueuedTrigger).toHaveBeenCalledWith({
      triggerId: 'a0B5g00000TRQ1AAA',
      opportunityId: '0065g00000OPP1AAA'
    });
    expect(names(element)).not.toContain('Foxglove Supply');
    expect(toast.mock.calls[0][0].detail).toMatchObject({ title: 'Trigger accepted', variant: 'success' });
  });

  it('accepts without an opportunity when the account has none', async () => {
    acceptQueuedTrigger.mockResolvedValue(ACCEPTED);
    const element = await mountWith();
    await openDecision(element, 'Alder Pharma');
    expect($(element, '[data-id="no-opportunities"]')).not.toBeNull();
    button(element, 'accept').click();
    await flush();
    expect(acceptQueuedTrigger).toHaveBeenCalledWith({ triggerId: 'a0B5g00000TRQ2AAA', opportunityId: null });
  });

  it('dismisses only with a reason, trimmed', async () => {
    dismissQueuedTrigger.mockResolvedValue(ACCEPTED);
    const element = await mountWith();
    await openDecision(element, 'Foxglove Supply');
    button(element, 'dismiss').click();
    await flush();
    expect(dismissQueuedTrigger).not.toHaveBeenCalled();
    expect($(element, '[data-id="form-error"]').textContent).toContain('Enter why this trigger');

    change(element, 'lightning-textarea[data-id="dismiss-reason"]', '  Seasonal peak ');
    button(element, 'dismiss').click();
    await flush();
    expect(dismissQueuedTrigger).toHaveBeenCalledWith({ triggerId: 'a0B5g00000TRQ1AAA', reason: 'Seasonal peak' });
  });

  it('snoozes only until a day after today', async () => {
    snoozeTrigger.mockResolvedValue(SNOOZED);
    const element = await mountWith();
    await openDecision(element, 'Foxglove Supply');
    expect($(element, 'lightning-input[data-id="snooze-until"]').min).toBe('2026-11-25');
    change(element, 'lightning-input[data-id="snooze-until"]', '2026-11-24');
    button(element, 'snooze').click();
    await flush();
    expect(snoozeTrigger).not.toHaveBeenCalled();
    expect($(element, '[data-id="form-error"]').textContent).toContain('after today');

    change(element, 'lightning-input[data-id="snooze-until"]', '2026-12-01');
    button(element, 'snooze').click();
    await flush();
    expect(snoozeTrigger).toHaveBeenCalledWith({ triggerId: 'a0B5g00000TRQ1AAA', snoozedUntil: '2026-12-01' });
    expect(names(element)).not.toContain('Foxglove Supply');
  });

  it('shows one readable banner when a decision fails and the reload after it fails too', async () => {
    const element = await mountWith();
    dismissQueuedTrigger.mockRejectedValue(ERROR);
    getTriggerQueue.mockRejectedValue(ERROR);
    await openDecision(element, 'Foxglove Supply');
    change(element, 'lightning-textarea[data-id="dismiss-reason"]', 'Not a fit');
    button(element, 'dismiss').click();
    await flush();
    const banners = $$(element, '[role="alert"].slds-notify_alert');
    expect(banners).toHaveLength(1);
    expect(banners[0].textContent).toContain('already Accepted');
    expect(names(element)).toContain('Foxglove Supply');
  });

  it('says so when nothing is undecided, and when the load fails', async () => {
    const element = await mountWith({ ...QUEUE, rows: [] });
    expect($(element, '[data-id="empty"]').textContent).toContain('No undecided expansion triggers');
    document.body.removeChild(element);

    getTriggerQueue.mockRejectedValue(ERROR);
    const failing = createElement('c-expansion-trigger-queue', { is: ExpansionTriggerQueue });
    document.body.appendChild(failing);
    await flush();
    expect($(failing, '[data-id="error"]').textContent).toContain('The trigger queue could not be loaded.');
  });
});
