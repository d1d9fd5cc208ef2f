import { createElement } from 'lwc';
import HallucinationGate from 'c/hallucinationGate';
import getGatePanel from '@salesforce/apex/GtmHallucinationGateController.getGatePanel';
import setHumanVerdict from '@salesforce/apex/GtmHallucinationGateController.setHumanVerdict';
import { refreshApex } from '@salesforce/apex';
import { publish, subscribe } from 'lightning/messageService';

// fixtures written from the workbench stand-in over the sample world's audits (the contract test parses each)
const PROVISIONAL = require('./data/getGatePanel.json');
const PASSED = require('./data/getGatePanel.passed.json');
const FAILED = require('./data/getGatePanel.failed.json');
const EXPIRED = require('./data/getGatePanel.expired.json');
const EMPTY = require('./data/getGatePanel.empty.json');
const REVIEWED = require('./data/setHumanVerdict.json');
const ERROR = require('./data/error.json');

jest.mock(
  '@salesforce/apex/GtmHallucinationGateController.getGatePanel',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true }
);
jest.mock('@salesforce/apex/GtmHallucinationGateController.setHumanVerdict', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex', () => ({ refreshApex: jest.fn(() => Promise.resolve()) }), { virtual: true });

const TOAST = 'lightning__showtoast';
// eslint-disable-next-line @lwc/lwc/no-async-operation
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const day = (iso) =>
  new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${iso}T00:00:00Z`)
  );

function mount(recordId = PROVISIONAL.opportunityId) {
  const element = createElement('c-hallucination-gate', { is: HallucinationGate });
  element.recordId = recordId;
  document.body.appendChild(element);
  return element;
}
async function mountWith(view) {
  const element = mount(view.opportunityId);
  getGatePanel.emit(view);
  await flush();
  return element;
}
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => Array.from(element.shadowRoot.querySelectorAll(selector));
const text = (element, selector) => ($(element, selector) ? $(element, selector).textContent.trim() : null);
const texts = (element, selector) => $$(element, selector).map((e) => e.textContent.replace(/\s+/g, ' ').trim());
const change = (element, selector, value) => {
  const input = $(element, selector);
  input.value = value;
  input.dispatchEvent(new CustomEvent('change', { detail: { value } }));
};

describe('c-hallucination-gate', () => {
  afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    jest.clearAllMocks();
  });

  it('asks for the gate of this opportunity and shows a spinner until it arrives', async () => {
    const element = mount();
    await flush();
    expect(getGatePanel.getLastConfig()).toEqual({ opportunityId: PROVISIONAL.opportunityId });
    expect($(element, 'lightning-spinner').alternativeText).toBe('Loading the hallucination gate');
  });

  it('a Provisional gate: the status and its reason in words, the blocker with who acts and the next step', async () => {
    const element = await mountWith(PROVISIONAL);
    expect($(element, '[data-id="status"]').dataset.status).toBe('Provisional');
    expect(text(element, '[data-id="status-words"]')).toBe(
      'Provisional: pilot cohort only, production approval refused'
    );
    expect(texts(element, '[data-id="reason"]')).toEqual([PROVISIONAL.reasons[0]]);
    expect(texts(element, '[data-id="blocker"]')).toEqual([
      `${PROVISIONAL.blockers[0].message} Who acts: The hallucination audit team. Next: Request a hallucination audit.`
    ]);
  });

  it('puts the rate, the two-sided interval and the strict bound against the maximum into words', async () => {
    const element = await mountWith(PROVISIONAL);
    expect(text(element, '[data-id="rate"]')).toBe('Rate 0.50%: 1 of 200 scored responses hallucinated');
    expect(text(element, '[data-id="interval"]')).toBe('95% interval 0.09% to 2.78%');
    expect(text(element, '[data-id="bound"]')).toBe('One-sided 95% upper bound 2.21%: above the 2.00% maximum');
    expect(text(element, '[data-id="bar-summary"]')).toContain('above the 2.00% maximum');
  });

  it('draws the interval, the rate, the bound and the maximum line on one scale', async () => {
    const element = await mountWith(PROVISIONAL);
    // scale: the larger of twice the maximum (0.04) and 1.1 x the interval's top (0.0306): 0.04
    const left = (selector) => $(element, selector).style.left;
    expect(left('[data-id="bar-max"]')).toBe('50.00%');
    expect(left('[data-id="bar-point"]')).toBe('12.50%');
    expect(left('[data-id="bar-upper"]')).toBe('55.24%');
    expect(left('[data-id="bar-interval"]')).toBe('2.21%');
    expect($(element, '[data-id="interval-bar"]').getAttribute('aria-hidden')).toBe('true');
  });

  it('n against the minimum, hallucinations allowed at this n, and the n at which this rate would pass', async () => {
    const element = await mountWith(PROVISIONAL);
    expect(text(element, '[data-id="sample"]')).toBe('n = 200 meets the minimum sample of 200');
    expect(text(element, '[data-id="allowed"]')).toBe('The strict gate allows 0 hallucinations at n = 200');
    expect(text(element, '[data-id="passing-n"]')).toBe(
      'Allowed at n = 236: the smallest sample at which this rate (0.50%) passes'
    );
    const cannot = await mountWith({ ...PROVISIONAL, passingN: null });
    expect(text(cannot, '[data-id="passing-n"]')).toBe(
      'Cannot pass at this rate (0.50%), however many responses are audited'
    );
  });

  it('lists the failing case with category, severity, the judge reason and the human verdict', async () => {
    const element = await mountWith(PROVISIONAL);
    const items = $$(element, '[data-id="item"]');
    expect(items).toHaveLength(1);
    expect(items[0].textContent).toContain('T-0058');
    expect(items[0].textContent).toContain('account access, severity major');
    expect(items[0].textContent).toContain(`Judge: hallucinated: ${PROVISIONAL.items[0].judgeReason}`);
    expect(text(element, '[data-id="item-human"]')).toBe('Human verdict: Not reviewed');
  });

  it('shows the structured fallback path and the source run', async () => {
    const element = await mountWith(PROVISIONAL);
    expect(text(element, '[data-id="fallback-type"]')).toBe('Human handoff');
    expect(text(element, '[data-id="fallback-tested"]')).toBe(`${day('2026-11-19')} (within the 30 days limit)`);
    expect(text(element, '[data-id="fallback-sla"]')).toBe('15 minutes');
    expect($(element, '[data-id="fallback-evidence"]').href).toBe(PROVISIONAL.fallback.evidenceUrl);
    const run = $(element, '[data-id="run"]').textContent;
    for (const part of [
      'deepeval oakridge-run-0611',
      'Counted in the gate',
      `${day('2026-11-18')} 10:00 UTC (6 days old; the limit is 30 days)`,
      'openai:gpt-4.1-2025-04-14',
      '1 of 200 hallucinated, 0 critical'
    ])
      expect(run).toContain(part);
  });

  it('shows a digest by its first 12 digits, the whole value in the title, and other versions as they are', async () => {
    const digest = 'c812de98c5795cd7036d1bbb66a459bb1f5e51466f878ddb8999f1788a762ff4';
    const element = await mountWith({
      ...PROVISIONAL,
      deployedPromptVersion: digest,
      runs: [{ ...PROVISIONAL.runs[0], promptVersion: 'v3', datasetSha256: `sha256:${digest}` }]
    });
    const deployed = $(element, '[data-id="deployed"]');
    expect(deployed.textContent).toBe('openai:gpt-4.1-2025-04-14, prompt c812de98c579…');
    expect(deployed.getAttribute('title')).toBe(digest);
    const sha = $(element, '[data-id="run-sha"]');
    expect(sha.textContent).toBe('c812de98c579…');
    expect(sha.getAttribute('title')).toBe(`sha256:${digest}`);
    expect($(element, '[data-id="run"]').textContent).toContain('v3');
    expect($(element, '[data-id="run"]').textContent).not.toContain(digest);
  });

  it('a Passed gate says production approval is allowed and its bound is within the maximum', async () => {
    const element = await mountWith(PASSED);
    expect(text(element, '[data-id="status-words"]')).toBe('Passed: production approval allowed');
    expect(text(element, '[data-id="bound"]')).toMatch(/^One-sided 95% upper bound .*: within the 2.00% maximum/);
    expect($$(element, '[data-id="blocker"]')).toHaveLength(0);
    expect(texts(element, '[data-id="run-sha"]')[0]).toBe(PASSED.runs[0].datasetSha256 || 'not stated');
  });

  it('a Failed gate is stop ship with its critical case first; an Expired one counts none of its runs', async () => {
    const failed = await mountWith(FAILED);
    expect(text(failed, '[data-id="status-words"]')).toBe('Failed: stop ship');
    expect(text(failed, '[data-id="critical"]')).toMatch(/^1 critical hallucination;/);
    expect($$(failed, '[data-id="item"]')[0].textContent).toContain('severity critical');
    const expired = await mountWith(EXPIRED);
    expect(text(expired, '[data-id="status-words"]')).toBe('Expired: a new audit of the deployed version is needed');
    expect(texts(expired, '[data-id="run"]')[0]).toContain('Not counted');
  });

  it('a deal without audits says so, with no bar', async () => {
    const element = await mountWith(EMPTY);
    expect(text(element, '[data-id="status-words"]')).toBe('Pending: not enough scored responses yet');
    expect(text(element, '[data-id="rate"]')).toBe('No scored responses yet.');
    expect($(element, '[data-id="interval-bar"]')).toBeNull();
    // who runs a first audit, in words (no CLI command for an AE)
    expect(text(element, '[data-id="no-runs"]')).toBe(
      "No audit run on this deal yet: the hallucination audit team runs one on the customer's tickets."
    );
    expect(text(element, '[data-id="passing-n"]')).toBe(
      'Not known yet: it follows from the rate of the first scored responses'
    );
  });

  it('a reviewer sets a human verdict with a reason: refused without either, then sent and the recount shown', async () => {
    setHumanVerdict.mockResolvedValue(REVIEWED);
    const element = await mountWith(PROVISIONAL);
    $(element, 'lightning-button[data-id="review"]').click();
    await flush();
    $(element, 'lightning-button[data-id="submit-review"]').click();
    await flush();
    expect(text(element, '[data-id="review-error"]')).toBe('Choose hallucinated or not hallucinated.');
    change(element, 'lightning-radio-group[data-id="review-verdict"]', 'pass');
    await flush();
    expect($(element, '[data-id="review-error"]')).toBeNull();
    change(element, 'lightning-textarea[data-id="review-reason"]', '   ');
    $(element, 'lightning-button[data-id="submit-review"]').click();
    await flush();
    expect(text(element, '[data-id="review-error"]')).toBe('Enter why: the audit keeps the reason with your verdict.');
    expect(setHumanVerdict).not.toHaveBeenCalled();

    const toasts = [];
    element.addEventListener(TOAST, (e) => toasts.push(e.detail));
    change(element, 'lightning-textarea[data-id="review-reason"]', ' the article states the clinic hours ');
    $(element, 'lightning-button[data-id="submit-review"]').click();
    await flush();
    expect(setHumanVerdict).toHaveBeenCalledWith({
      opportunityId: PROVISIONAL.opportunityId,
      itemId: PROVISIONAL.items[0].id,
      verdict: 'pass',
      reason: 'the article states the clinic hours'
    });
    expect(text(element, '[data-id="status-words"]')).toBe('Passed: production approval allowed');
    expect(text(element, '[data-id="item-human"]')).toMatch(
      /^Human verdict: not hallucinated \(Workbench User, .*\): the article states the clinic hours as answered$/
    );
    expect($(element, '[data-id="review-form"]')).toBeNull();
    expect(toasts).toEqual([expect.objectContaining({ title: 'Verdict saved', variant: 'success' })]);
    expect(refreshApex).toHaveBeenCalled();
    // the scorecard beside it shows the gate: it is told the verdict changed the deal
    expect(publish).toHaveBeenCalledTimes(1);
    expect(publish.mock.calls[0][2]).toEqual({
      recordId: PROVISIONAL.opportunityId,
      source: 'hallucinationGate',
      change: 'verdict_saved'
    });
  });

  describe('the other panels of the deal (c/gtmRecordSync)', () => {
    const deliver = (message) => subscribe.mock.calls[subscribe.mock.calls.length - 1][2](message);

    it('reads the gate again when another panel changed this deal, not for another deal or itself', async () => {
      await mountWith(PROVISIONAL);
      refreshApex.mockClear();
      deliver({ recordId: PROVISIONAL.opportunityId, source: 'hallucinationGate', change: 'verdict_saved' });
      deliver({ recordId: '006-another-deal', source: 'pilotScorecard', change: 'blocker_action' });
      expect(refreshApex).not.toHaveBeenCalled();
      deliver({ recordId: PROVISIONAL.opportunityId, source: 'pilotScorecard', change: 'blocker_action' });
      await flush();
      expect(refreshApex).toHaveBeenCalledTimes(1);
    });

    it('brings the failing cases into view, on the first review, when the scorecard asks to review them', async () => {
      const element = await mountWith(PROVISIONAL);
      const heading = $(element, '[data-id="cases-heading"]');
      heading.scrollIntoView = jest.fn();
      const review = $(element, 'lightning-button[data-id="review"]');
      review.focus = jest.fn();
      deliver({ recordId: PROVISIONAL.opportunityId, source: 'pilotScorecard', change: 'blocker_action' });
      await flush();
      expect(heading.scrollIntoView).not.toHaveBeenCalled();
      refreshApex.mockClear();
      deliver({ recordId: PROVISIONAL.opportunityId, source: 'pilotScorecard', show: 'hallucination_failing_cases' });
      await flush();
      expect(heading.scrollIntoView).toHaveBeenCalledTimes(1);
      expect(review.focus).toHaveBeenCalledTimes(1);
      // nothing changed: nothing is read again
      expect(refreshApex).not.toHaveBeenCalled();
    });
  });

  it('shows the server refusal of a verdict and keeps the form open', async () => {
    setHumanVerdict.mockRejectedValue(ERROR);
    const element = await mountWith(PROVISIONAL);
    $(element, 'lightning-button[data-id="review"]').click();
    await flush();
    change(element, 'lightning-radio-group[data-id="review-verdict"]', 'pass');
    change(element, 'lightning-textarea[data-id="review-reason"]', 'grounded');
    $(element, 'lightning-button[data-id="submit-review"]').click();
    await flush();
    expect(text(element, '[data-id="action-error"]')).toBe(ERROR.body.message);
    expect($(element, '[data-id="review-form"]')).not.toBeNull();
  });

  it('offers no review to a user who cannot edit the audit items', async () => {
    const element = await mountWith({ ...PROVISIONAL, canReview: false });
    expect($(element, 'lightning-button[data-id="review"]')).toBeNull();
    expect($$(element, '[data-id="item"]')).toHaveLength(1);
  });

  it('says when the panel cannot be loaded', async () => {
    const element = mount();
    getGatePanel.error(ERROR.body);
    await flush();
    expect(text(element, '[data-id="load-error"]')).toContain('The hallucination gate could not be loaded.');
  });
});
