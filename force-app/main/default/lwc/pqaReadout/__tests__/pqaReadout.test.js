import { createElement } from 'lwc';
import PqaReadout from 'c/pqaReadout';
import getReadout from '@salesforce/apex/GtmPqaReadoutController.getReadout';

const PUBLISHED = require('./data/getReadout.json');
const PUBLISHED_INVALID = require('./data/getReadout.invalid.json');
const EMPTY = require('./data/getReadout.empty.json');
const ERROR = require('./data/error.json');

const HOLD = PUBLISHED.readout;

jest.mock('@salesforce/apex/GtmPqaReadoutController.getReadout', () => ({ default: jest.fn() }), {
  virtual: true
});

// eslint-disable-next-line @lwc/lwc/no-async-operation
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const squash = (s) => (s || '').replace(/\s+/g, ' ').trim();
const $ = (el, selector) => el.shadowRoot.querySelector(selector);
const $$ = (el, selector) => [...el.shadowRoot.querySelectorAll(selector)];
const text = (el, selector) => squash($(el, selector) && $(el, selector).textContent);

async function mount() {
  const element = createElement('c-pqa-readout', { is: PqaReadout });
  document.body.appendChild(element);
  await flush();
  return element;
}

afterEach(() => {
  while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
  jest.clearAllMocks();
});

describe('c-pqa-readout', () => {
  it("reads exp-001's newest published readout, and shows the recommendation with its reasons and the sample's honest sentence", async () => {
    getReadout.mockResolvedValue(PUBLISHED);
    const el = await mount();
    expect(getReadout).toHaveBeenCalledWith({ experimentKey: 'exp-001', asOf: null });
    expect(text(el, '[data-id="decision"]')).toBe('Recommendation: Hold');
    expect($(el, '[data-id="recommendation"]').className).toContain('slds-theme_info');
    expect($$(el, '[data-id="reasons"] li').map((li) => squash(li.textContent))).toEqual(HOLD.recommendation.reasons);
    expect(text(el, '[data-id="power-sentence"]')).toBe(
      'at 9 per arm a +20% lift cannot be told from noise: this sample can detect >= +290%; +20% needs 1415 per arm'
    );
    expect(text(el, '[data-id="matched"]')).toContain('matched, not randomized');
  });

  it('puts the arms side by side with their intervals, in the table and drawn', async () => {
    getReadout.mockResolvedValue(PUBLISHED);
    const el = await mount();
    const rows = $$(el, '[data-id="arm-row"]').map((tr) => [...tr.children].map((c) => squash(c.textContent)));
    expect(rows).toEqual([
      ['Treatment', '15 of 25', '6', '40.0%', '19.8% to 64.3%'],
      ['Control', '9 of 15', '3', '33.3%', '12.1% to 64.6%']
    ]);
    expect($(el, '[data-id="chart"]').getAttribute('aria-label')).toBe(
      'Treatment 40.0% (95% interval 19.8% to 64.3%); Control 33.3% (95% interval 12.1% to 64.6%)'
    );
    const bars = $$(el, '.chart-bar').map((b) => b.getAttribute('style'));
    expect(bars[0]).toMatch(/left: 19\.82%; width: 44\.43%;/);
    expect($$(el, '.chart-mark')[1].getAttribute('style')).toMatch(/left: 33\.33%;/);
  });

  it('words the comparisons, what n is needed, reliability and SLA attainment against policy', async () => {
    getReadout.mockResolvedValue(PUBLISHED);
    const el = await mount();
    expect(text(el, '[data-id="difference"]')).toBe('+6.7% (-30.5% to +38.9%)');
    expect(text(el, '[data-id="lift"]')).toBe('+20.0% (-60.6% to +265.1%)');
    expect(text(el, '[data-id="fisher"]')).toBe('0.547');
    expect(text(el, '[data-id="better"]')).toBe('0.609');
    expect(text(el, '[data-id="srm"]')).toBe('— (no randomized accounts yet)');
    expect(text(el, '[data-id="needed"]')).toBe(
      'n per arm needed for +15%: 2474; for +20%: 1415; for the 30.0% target: 188'
    );
    expect(text(el, '[data-id="reliability"]')).toBe(
      'Workflow reliability: 24 of 25 treatment signals, 96.0% (95% interval 80.5% to 99.3%), meets the 90.0% policy'
    );
    expect(text(el, '[data-id="failures"]')).toBe(
      'Failed harbor-payments (2026-W11): owner Task not created within 5 minutes: DML error (sample)'
    );
    expect(text(el, '[data-id="sla"]')).toBe('SLA attainment: 20 met of 25 closed (80.0%), meets the 80.0% policy');
  });

  it('offers the published as-ofs, newest first, and reads the one a person picks', async () => {
    getReadout.mockResolvedValue(PUBLISHED);
    const el = await mount();
    const picker = $(el, '[data-id="as-of"]');
    expect(picker.value).toBe('2026-04-06');
    expect(picker.options).toEqual([
      { label: '2026-04-06 (newest)', value: '2026-04-06' },
      { label: '2026-03-30', value: '2026-03-30' }
    ]);
    getReadout.mockResolvedValue(PUBLISHED_INVALID);
    picker.dispatchEvent(new CustomEvent('change', { detail: { value: '2026-03-30' } }));
    await flush();
    expect(getReadout).toHaveBeenLastCalledWith({ experimentKey: 'exp-001', asOf: '2026-03-30' });
    expect(text(el, '[data-id="as-of-text"]')).toBe('As of 2026-03-30 (00:00 UTC)');
    expect(text(el, '[data-id="decision"]')).toBe('Recommendation: Invalid');
    expect($(el, '[data-id="recommendation"]').className).toContain('slds-theme_error');
    expect(text(el, '[data-id="reliability"]')).toContain('below the 90.0% policy');
    expect($(el, '[data-id="matched"]')).toBeNull();
  });

  it('says how to publish one when nothing is published yet', async () => {
    getReadout.mockResolvedValue(EMPTY);
    const el = await mount();
    expect(text(el, '[data-id="nothing-published"]')).toBe(
      'No exp-001 readout is published yet. RevOps publishes one with: gtm routing readout exp-001 --as-of DAY --publish'
    );
    expect($(el, '[data-id="as-of"]')).toBeNull();
    expect($(el, '[data-id="decision"]')).toBeNull();
  });

  it('a failed readout says why', async () => {
    getReadout.mockRejectedValue(ERROR);
    const el = await mount();
    expect(text(el, '[data-id="load-error"]')).toBe(
      'The readout could not be read. Routing_Readout__c exp-001|2026-04-06: Results_Json__c is not a readout (arms: Required); publish it again with gtm routing readout --publish'
    );
    expect($(el, '[data-id="nothing-published"]')).toBeNull();
  });
});
