import { createElement } from 'lwc';
import GtmProgram from 'c/gtmProgram';
import getProgram from '@salesforce/apex/GtmProgramController.getProgram';
import decideReadout from '@salesforce/apex/GtmProgramController.decideReadout';

// the stand-in's answer over the sample world at day 90 (scripts/workbench/controllers/programController.ts)
const VIEW = require('./data/getProgram.json');
const REFUSED = require('./data/error.decide.json');

jest.mock('@salesforce/apex/GtmProgramController.getProgram', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/GtmProgramController.decideReadout', () => ({ default: jest.fn() }), { virtual: true });

// eslint-disable-next-line @lwc/lwc/no-async-operation
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const squash = (s) => (s || '').replace(/\s+/g, ' ').trim();
const $ = (el, selector) => el.shadowRoot.querySelector(selector);
const $$ = (el, selector) => [...el.shadowRoot.querySelectorAll(selector)];
const text = (el, selector) => squash($(el, selector) && $(el, selector).textContent);

async function mount() {
  const element = createElement('c-gtm-program', { is: GtmProgram });
  document.body.appendChild(element);
  await flush();
  return element;
}

afterEach(() => {
  while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
  jest.clearAllMocks();
});

describe('c-gtm-program', () => {
  it('shows the five KPI tiles with value, interval, status and a trend line where there are weekly values', async () => {
    getProgram.mockResolvedValue(VIEW);
    const el = await mount();
    expect(getProgram).toHaveBeenCalledWith({ asOf: null });
    expect($$(el, '[data-kpi] h3').map((h) => squash(h.textContent))).toEqual(VIEW.kpis.map((k) => k.label));
    expect(text(el, '[data-kpi="Pilot_Start_Rate"] [data-id="actual"]')).toBe('22.5%');
    expect(text(el, '[data-kpi="Pilot_Start_Rate"] [data-id="status"]')).toBe('Improving');
    expect($(el, '[data-kpi="Pilot_Start_Rate"] polyline')).not.toBeNull();
    // no weekly value: no line, only baseline and target
    expect($(el, '[data-kpi="Security_Review_Cycle"] polyline')).toBeNull();
    expect(text(el, '[data-kpi="Time_To_Activation"] [data-id="actual"]')).toBe('> 89.0 days (median not reached)');
    expect(text(el, '[data-kpi="Time_To_Activation"] [data-id="n"]')).toBe('n 13, outcomes 0; provisional: 13 at risk');
  });

  it('lists the readouts with the design label, recommendation and the rules that fired', async () => {
    getProgram.mockResolvedValue(VIEW);
    const el = await mount();
    expect($$(el, '[data-readout]').map((li) => li.dataset.readout)).toEqual([
      'exp-001',
      'exp-003',
      'exp-005',
      'exp-008'
    ]);
    expect(text(el, '[data-readout="exp-008"] [data-id="design"]')).toMatch(/^pre\/post, not randomized/);
    expect(text(el, '[data-readout="exp-001"] [data-id="recommendation"]')).toBe('Recommendation: Invalid');
  });

  it("shows the server's refusal of an override and keeps the form open", async () => {
    getProgram.mockResolvedValue(VIEW);
    decideReadout.mockRejectedValue(REFUSED);
    const el = await mount();
    $(el, '[data-readout="exp-003"] [data-id="decide"]').click();
    await flush();
    const combo = $(el, '[data-readout="exp-003"] [data-id="decision"]');
    combo.dispatchEvent(new CustomEvent('change', { detail: { value: 'Hold' } }));
    await flush();
    expect(text(el, '[data-id="override-note"]')).toContain('differs from the recommendation');
    $(el, '[data-id="submit"]').click();
    await flush();
    const readoutId = VIEW.readouts.find((r) => r.experiment === 'exp-003').readoutId;
    expect(decideReadout).toHaveBeenCalledWith({
      readoutId,
      decision: 'Hold',
      overrideReason: null,
      secondApproverId: null,
      asOf: null
    });
    expect(text(el, '[data-id="decide-error"]')).toBe(REFUSED.body.message);
    expect($(el, '[data-id="decide-form"]')).not.toBeNull();
  });

  it('shows the decision once the server signed it', async () => {
    getProgram.mockResolvedValue(VIEW);
    const signed = {
      ...VIEW,
      readouts: VIEW.readouts.map((r) => {
        return r.experiment === 'exp-005'
          ? { ...r, decision: 'Kill', decidedBy: 'Workbench User', published: true }
          : r;
      })
    };
    decideReadout.mockResolvedValue(signed);
    const el = await mount();
    $(el, '[data-readout="exp-005"] [data-id="decide"]').click();
    await flush();
    $(el, '[data-id="submit"]').click();
    await flush();
    expect(text(el, '[data-readout="exp-005"] [data-id="sign-off"]')).toBe(
      'Decision and sign-off: Kill by Workbench User'
    );
    expect($(el, '[data-readout="exp-005"] [data-id="decide"]')).toBeNull();
  });

  it('says why when the program cannot be read', async () => {
    getProgram.mockRejectedValue({ body: { message: 'no store' } });
    const el = await mount();
    expect(text(el, '[data-id="load-error"]')).toBe('The program could not be read. no store');
  });
});
