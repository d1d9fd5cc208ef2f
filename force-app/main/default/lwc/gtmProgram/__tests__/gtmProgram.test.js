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
    // the picker shows the day the server computed at, not an empty field above "KPIs as of ..."
    expect($(el, '[data-id="as-of"]').value).toBe(VIEW.asOf);
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

  it('shows the stored rollout audit as three tiles with status, reason, n and figures, or says how to store one', async () => {
    const audit = {
      asOf: '2026-05-30',
      status: 'fail',
      sections: [
        {
          key: 'data_quality',
          title: 'Data quality',
          status: 'fail',
          reason: 'product-web has had no data for 9 days (more than 7)',
          n: 1500,
          thresholdText: 'at most 1.0% of rows rejected, every source has data within 7 days',
          figures: [
            '3 sync runs since 2026-05-02: 3 of 1500 rows rejected (0.2%)',
            'write failures 0; stale sources 1 of 2'
          ]
        },
        {
          key: 'handoff_reliability',
          title: 'Handoff reliability',
          status: 'attention',
          reason: '3 of 5 onboarding steps slipped',
          n: 30,
          thresholdText: 'exp-001 workflow reliability at least 90.0%',
          figures: []
        },
        {
          key: 'support_burden',
          title: 'Support burden',
          status: 'pass',
          reason: 'no rise',
          n: 2,
          thresholdText: 'Onboarding_Guardrail_Days 30',
          figures: []
        }
      ]
    };
    getProgram.mockResolvedValue({ ...VIEW, audit });
    const el = await mount();
    expect($$(el, '[data-audit]').map((s) => s.dataset.audit)).toEqual([
      'data_quality',
      'handoff_reliability',
      'support_burden'
    ]);
    expect($$(el, '[data-audit] [data-id="audit-status"]').map((s) => squash(s.textContent))).toEqual([
      'fail',
      'attention',
      'pass'
    ]);
    // in words, no CLI command
    expect(text(el, '[data-id="audit-as-of"]')).toBe('The latest rollout audit, as of 2026-05-30: fail');
    expect($(el, '[data-audit="data_quality"]').className).toContain('audit-fail');
    expect(text(el, '[data-audit="data_quality"] [data-id="audit-reason"]')).toBe(
      'product-web has had no data for 9 days (more than 7)'
    );
    expect(text(el, '[data-audit="data_quality"] [data-id="audit-n"]')).toBe(
      'n 1500; thresholds: at most 1.0% of rows rejected, every source has data within 7 days'
    );
    expect($$(el, '[data-audit="data_quality"] [data-id="audit-figure"]').map((li) => squash(li.textContent))).toEqual(
      audit.sections[0].figures
    );
    expect($(el, '[data-id="no-audit"]')).toBeNull();

    getProgram.mockResolvedValue({ ...VIEW, audit: null });
    const none = await mount();
    expect($$(none, '[data-audit]')).toHaveLength(0);
    // what is missing in words; the command only in the admin's tooltip
    expect(text(none, '[data-id="no-audit"]')).toBe('No rollout audit has been recorded for this day yet.');
    expect($(none, '[data-id="no-audit"]').title).toContain('gtm scorecard audit');
  });

  it('formats each estimate in its KPI unit, and says "no data" for a missing value', async () => {
    const [first, second, third] = VIEW.readouts;
    getProgram.mockResolvedValue({
      ...VIEW,
      readouts: [
        { ...first, unit: 'ratio', treatmentValue: 0.24, controlValue: 0.2, improvement: 0.2 },
        { ...second, unit: 'ratio', treatmentValue: null, controlValue: 0.068, improvement: null },
        { ...third, unit: 'days', treatmentValue: 9.1, controlValue: 13.3, improvement: 0.316 }
      ]
    });
    const el = await mount();
    const estimate = (exp) => text(el, `[data-readout="${exp}"] [data-id="estimate"]`);
    expect(estimate(first.experiment)).toBe('Estimate (program vs control): 24.0% vs 20.0% (20.0% better)');
    expect(estimate(second.experiment)).toBe(
      'Estimate (program vs control): no data vs 6.8% (relative change: no data)'
    );
    expect(estimate(third.experiment)).toBe('Estimate (program vs control): 9.1 days vs 13.3 days (31.6% better)');
  });

  it('says in words that no readout is published yet', async () => {
    getProgram.mockResolvedValue({ ...VIEW, readouts: [] });
    const el = await mount();
    expect(text(el, '[data-id="no-readouts"]')).toBe('No experiment readout has been published for this day yet.');
    expect($(el, '[data-id="no-readouts"]').title).toContain('gtm readout build');
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
