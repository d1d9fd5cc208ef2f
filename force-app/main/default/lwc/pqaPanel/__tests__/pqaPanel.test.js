import { createElement } from 'lwc';
import PqaPanel, { formatBusinessTime, formatInstant, readableReason } from 'c/pqaPanel';
import getPqaView from '@salesforce/apex/GtmPqaPanelController.getPqaView';
import disqualify from '@salesforce/apex/GtmPqaPanelController.disqualify';
import logTouch from '@salesforce/apex/GtmPqaPanelController.logTouch';
import { refreshApex } from '@salesforce/apex';

const REASSIGNED = require('./data/getPqaView.json');
const CONTROL = require('./data/getPqaView.control.json');
const OPEN = require('./data/getPqaView.open.json');
const OVERDUE = require('./data/getPqaView.overdue.json');
const DISQUALIFIED = require('./data/getPqaView.disqualified.json');
const EMPTY = require('./data/getPqaView.empty.json');
const ERROR = require('./data/error.json');
const DISQUALIFY = require('./data/disqualify.json');
const LOGGED = require('./data/logTouch.json');

jest.mock(
  '@salesforce/apex/GtmPqaPanelController.getPqaView',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true }
);

jest.mock('@salesforce/apex/GtmPqaPanelController.disqualify', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/GtmPqaPanelController.logTouch', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex', () => ({ refreshApex: jest.fn(() => Promise.resolve()) }), { virtual: true });

// eslint-disable-next-line @lwc/lwc/no-async-operation
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const squash = (s) => (s || '').replace(/\s+/g, ' ').trim();

async function mountWith(view) {
  const element = createElement('c-pqa-panel', { is: PqaPanel });
  element.recordId = view.accountId || REASSIGNED.accountId;
  document.body.appendChild(element);
  getPqaView.emit(view);
  await flush();
  return element;
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];
const text = (element, selector) => squash($(element, selector) && $(element, selector).textContent);

afterEach(() => {
  while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
  jest.clearAllMocks();
});

describe('c-pqa-panel', () => {
  it('asks the controller for the record it sits on', async () => {
    await mountWith(REASSIGNED);
    expect(getPqaView.getLastConfig()).toEqual({ accountId: REASSIGNED.accountId });
  });

  it('shows the signal, its arm as matched and its evidence against the thresholds', async () => {
    const el = await mountWith(REASSIGNED);
    expect(text(el, '[data-id="signal-heading"]')).toBe('PQA 2026-W11');
    expect(text(el, '[data-id="arm"]')).toBe('Treatment (paired with thistle-florists: matched, not randomized)');
    expect($$(el, '[data-id="evidence-item"]').map((li) => squash(li.textContent))).toEqual([
      'AI-resolved tickets: 53 ≥ 25 (met)',
      'active agents: not reported by the source (threshold 3, not applied)'
    ]);
    expect(text(el, '[data-id="qualified"]')).toBe(formatInstant('2026-03-13T14:00:00Z'));
  });

  it('names the owner, the rule and every candidate with the arithmetic and why eligible or not', async () => {
    const el = await mountWith(REASSIGNED);
    expect(text(el, '[data-id="owner"]')).toBe(
      `Dana Whitfield, by the pool rule, ${formatInstant('2026-03-13T14:00:00Z')}`
    );
    // the stored loads carry four padding decimals and the away date an ISO instant: the panel reads them as numbers
    // and a time in the user's zone
    expect(text(el, '[data-id="reason"]')).toBe('lowest load 10 = (10 - 0) / 1');
    const rows = $$(el, '[data-id="candidate"]').map((tr) => [...tr.children].map((cell) => squash(cell.textContent)));
    expect(rows).toEqual([
      ['Dana Whitfield', '(10 − 0) / 1 = 10', '10, no cap', 'eligible: chosen'],
      ['Priya Raman', '(3 − 0) / 2 = 1.5', '3 of 3', 'at weekly cap (3 of 3)'],
      ['Marco Ruiz', '(0 − 0) / 1 = 0', '0, no cap', `away until ${formatInstant('2026-03-16T13:00:00Z')}`]
    ]);
    expect($$(el, '.pqa-chosen')).toHaveLength(1);
  });

  it('shows a stopped SLA with its times, the transitions with their actor and the escalations', async () => {
    const el = await mountWith(REASSIGNED);
    expect(text(el, '[data-id="sla-status"]')).toBe('Reassigned');
    expect(text(el, '[data-id="sla-clock"]')).toBe(
      'Reassigned: the clock has stopped; no qualifying touch. SLA 4 business hours, PQA New York business hours.'
    );
    expect(text(el, '[data-id="due"]')).toBe(formatInstant('2026-03-13T18:00:00Z'));
    // the due time stays the due time; the reassignment reads at the time the sweep made it (its transition)
    expect(text(el, '[data-id="reassign"]')).toBe(formatInstant('2026-03-16T14:00:00Z'));
    expect(text(el, '[data-id="reassigned"]')).toBe(formatInstant('2026-04-02T14:00:00Z'));
    const labels = $$(el, 'dt').map((dt) => squash(dt.textContent));
    expect(labels).toContain('Reassignment due');
    expect(labels).toContain('Reassigned at');
    expect(text(el, '[data-id="touch"]')).toBe('none yet');
    expect($$(el, '[data-id="transition"]').map((li) => squash(li.textContent))).toEqual([
      `Pending → Warning, ${formatInstant('2026-03-13T17:00:00Z')}, by the SLA sweep`,
      `Warning → Breached, ${formatInstant('2026-03-13T18:00:00Z')}, by the SLA sweep`,
      `Breached → Reassigned, ${formatInstant('2026-04-02T14:00:00Z')}, by the SLA sweep`
    ]);
    expect(text(el, '[data-id="escalations"]')).toBe('1 escalation');
    // read on Nov 24: the 21-day window of Mar 13 has closed without a pilot
    expect(text(el, '[data-id="outcome"]')).toBe(
      `Outcome window closed ${formatInstant('2026-04-03T14:00:00Z')}: no pilot started in it`
    );
  });

  it('counts an open clock down in business time, and an overdue one up', async () => {
    const open = await mountWith(OPEN);
    expect(text(open, '[data-id="outcome"]')).toMatch(/^Outcome window open to .*; no pilot yet$/);
    expect(text(open, '[data-id="sla-clock"]')).toBe(
      'Warning: 45 min of business time left (SLA 4 business hours, PQA New York business hours).'
    );
    // a running clock's reassignment lies ahead
    expect($$(open, 'dt').map((dt) => squash(dt.textContent))).toContain('Reassigns at');
    document.body.removeChild(open);
    const late = await mountWith(OVERDUE);
    expect(text(late, '[data-id="sla-clock"]')).toBe(
      'Breached: overdue by 2 h 15 min of business time (SLA 4 business hours, PQA New York business hours).'
    );
  });

  /** OVERDUE (Breached, untouched) with the newest signal and its SLA changed as given */
  const overdueWith = (signal, sla) => {
    const view = JSON.parse(JSON.stringify(OVERDUE));
    Object.assign(view.signals[0], signal);
    Object.assign(view.signals[0].assignment.sla, sla);
    return view;
  };

  it('a Breached clock touched late has stopped: no overdue count, no reassignment ahead, no touch to log', async () => {
    const el = await mountWith(overdueWith({}, { firstTouchAt: '2026-03-16T20:00:00Z' }));
    expect(text(el, '[data-id="sla-clock"]')).toBe(
      `Breached: the clock has stopped; first touch ${formatInstant('2026-03-16T20:00:00Z')}. SLA 4 business hours, PQA New York business hours.`
    );
    expect($(el, '[data-id="reassign"]')).toBeNull();
    expect($(el, '[data-id="log-touch"]')).toBeNull();
  });

  it('a Breached clock of a disqualified PQA has stopped with the disqualification', async () => {
    const el = await mountWith(
      overdueWith({ disqualifiedAt: '2026-03-17T10:00:00Z', disqualifiedReason: 'Duplicate account' }, {})
    );
    expect(text(el, '[data-id="sla-clock"]')).toBe(
      'Breached: the clock stopped when the PQA was disqualified. SLA 4 business hours, PQA New York business hours.'
    );
    expect($(el, '[data-id="reassign"]')).toBeNull();
  });

  it('a control account shows the shadow routing and no SLA', async () => {
    const el = await mountWith(CONTROL);
    expect(text(el, '[data-id="owner"]')).toBe(
      'Control: business as usual, no owner from the rule and no SLA (shadow only)'
    );
    // the stored reason names the shadow owner by user id; the panel by name
    expect(text(el, '[data-id="reason"]')).toBe(
      'control, business as usual: would have gone to Dana Whitfield (lowest load 3 = (3 - 0) / 1)'
    );
    expect($(el, '[data-id="sla"]')).toBeNull();
  });

  it('a disqualified signal says why and until when no new PQA comes; earlier signals are listed', async () => {
    const el = await mountWith(DISQUALIFIED);
    expect(text(el, '[data-id="disqualified"]')).toBe(
      `Disqualified ${formatInstant('2026-03-20T15:30:00Z')}: Already in a competitor pilot; no new PQA for this account before May 19, 2026`
    );
    expect($$(el, '[data-id="earlier"] li').map((li) => squash(li.textContent))).toEqual([
      '2026-W02: Treatment, SLA Excluded, disqualified'
    ]);
  });

  it('an account without a signal says how one comes', async () => {
    const el = await mountWith(EMPTY);
    expect(text(el, '[data-id="empty"]')).toMatch(/^No PQA signal for this account/);
    expect($(el, '[data-id="signal"]')).toBeNull();
  });

  it('a failed load says so with the reason', async () => {
    const element = createElement('c-pqa-panel', { is: PqaPanel });
    element.recordId = REASSIGNED.accountId;
    document.body.appendChild(element);
    getPqaView.error(ERROR.body);
    await flush();
    expect(text(element, '[data-id="load-error"]')).toBe(
      'PQA routing could not be loaded. You do not have access to this account.'
    );
  });
});

describe('disqualifying from the panel', () => {
  const click = async (el, id) => {
    $(el, `[data-id="${id}"]`).click();
    await flush();
  };

  it('needs a reason, then disqualifies, shows the cooldown and refreshes the view', async () => {
    disqualify.mockResolvedValue(DISQUALIFY);
    const el = await mountWith(REASSIGNED);
    await click(el, 'disqualify-open');
    await click(el, 'disqualify');
    expect(disqualify).not.toHaveBeenCalled();
    expect(text(el, '[data-id="reason-error"]')).toBe('Enter why this account is not a PQA before you disqualify it.');
    const reason = $(el, '[data-id="disqualify-reason"]');
    reason.value = 'Already in a competitor pilot';
    reason.dispatchEvent(new CustomEvent('change'));
    await click(el, 'disqualify');
    expect(disqualify).toHaveBeenCalledWith({
      signalId: REASSIGNED.signals[0].id,
      reason: 'Already in a competitor pilot'
    });
    expect(text(el, '[data-id="disqualified"]')).toMatch(
      /Already in a competitor pilot; no new PQA for this account before/
    );
    expect($(el, '[data-id="disqualify-form"]')).toBeNull();
    expect($(el, '[data-id="disqualify-open"]')).toBeNull();
    expect(refreshApex).toHaveBeenCalled();
  });

  it('a refused disqualification says why and keeps the form', async () => {
    disqualify.mockRejectedValue(ERROR);
    const el = await mountWith(REASSIGNED);
    await click(el, 'disqualify-open');
    const reason = $(el, '[data-id="disqualify-reason"]');
    reason.value = 'Duplicate account';
    reason.dispatchEvent(new CustomEvent('change'));
    await click(el, 'disqualify');
    expect(text(el, '[data-id="action-error"]')).toBe(
      'The PQA was not disqualified. You do not have access to this account.'
    );
    expect($(el, '[data-id="disqualify-form"]')).not.toBeNull();
  });

  it('a disqualified signal offers no second disqualification', async () => {
    const el = await mountWith(DISQUALIFIED);
    expect($(el, '[data-id="disqualify-open"]')).toBeNull();
  });
});

describe('readableReason', () => {
  it('names a known user id, leaves an unknown one, and reads instants and padded loads', () => {
    const names = new Map([['005L00000000000002', 'Dana Whitfield']]);
    expect(readableReason('would have gone to 005L00000000000002, not 005L00000000000009', names)).toBe(
      'would have gone to Dana Whitfield, not 005L00000000000009'
    );
    expect(readableReason('away until 2026-03-16T13:00:00Z', names)).toBe(
      `away until ${formatInstant('2026-03-16T13:00:00Z')}`
    );
    expect(readableReason('lowest load 1.5000 = (3 - 0) / 2', names)).toBe('lowest load 1.5 = (3 - 0) / 2');
    expect(readableReason(null, names)).toBe('');
  });
});

describe('formatBusinessTime', () => {
  it.each([
    [45, '45 min'],
    [60, '1 h'],
    [125, '2 h 05 min'],
    [-135, '2 h 15 min']
  ])('%d minutes read "%s"', (minutes, expected) => {
    expect(formatBusinessTime(minutes)).toBe(expected);
  });
});

describe('logging the touch from the panel', () => {
  it('an open clock offers a call, an email or a meeting; the logged touch turns the SLA Met and refreshes', async () => {
    logTouch.mockResolvedValue(LOGGED);
    const el = await mountWith(OPEN);
    expect($$(el, '[data-id="log-touch"] lightning-button').map((b) => b.label)).toEqual([
      'Log a call',
      'Log an email',
      'Log a meeting'
    ]);
    $(el, '[data-id="log-email"]').click();
    await flush();
    expect(logTouch).toHaveBeenCalledWith({ signalId: OPEN.signals[0].id, kind: 'Email', note: null });
    expect(text(el, '[data-id="sla-status"]')).toBe('Met');
    expect($(el, '[data-id="log-touch"]')).toBeNull();
    expect(
      $$(el, '[data-id="transition"]')
        .map((li) => squash(li.textContent))
        .pop()
    ).toMatch(/^Warning → Met, /);
    expect(refreshApex).toHaveBeenCalled();
  });

  it('a refused touch says why beside the buttons and keeps the clock', async () => {
    logTouch.mockRejectedValue(ERROR);
    const el = await mountWith(OPEN);
    $(el, '[data-id="log-call"]').click();
    await flush();
    expect(text(el, '[data-id="touch-error"]')).toBe(
      'The touch was not logged. You do not have access to this account.'
    );
    expect(text(el, '[data-id="sla-status"]')).toBe('Warning');
    expect($(el, '[data-id="log-touch"]')).not.toBeNull();
  });

  it.each([
    ['a stopped clock', REASSIGNED],
    ['a control account', CONTROL],
    ['a disqualified PQA', DISQUALIFIED]
  ])('%s offers no touch to log', async (_, view) => {
    const el = await mountWith(view);
    expect($(el, '[data-id="log-touch"]')).toBeNull();
  });
});
