import { createElement } from 'lwc';
import OnboardingPlan, { formatDay, planDayOf } from 'c/onboardingPlan';
import getPlanView from '@salesforce/apex/GtmOnboardingPlanController.getPlanView';
import actOnStep from '@salesforce/apex/GtmOnboardingPlanController.actOnStep';

const AT_RISK = require('./data/getPlanView.json');
const ACTIVATED = require('./data/getPlanView.activated.json');
const EMPTY = require('./data/getPlanView.empty.json');
const ERROR = require('./data/error.json');

jest.mock('@salesforce/apex/GtmOnboardingPlanController.getPlanView', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/GtmOnboardingPlanController.actOnStep', () => ({ default: jest.fn() }), {
  virtual: true
});

// eslint-disable-next-line @lwc/lwc/no-async-operation
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const squash = (s) => (s || '').replace(/\s+/g, ' ').trim();

async function mountWith(view) {
  getPlanView.mockResolvedValue(view);
  const element = createElement('c-onboarding-plan', { is: OnboardingPlan });
  element.recordId = view.accountId;
  document.body.appendChild(element);
  await flush();
  return element;
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];
const text = (element, selector) => squash($(element, selector) && $(element, selector).textContent);
const stepOf = (element, key) => $(element, `[data-id="step"][data-key="${key}"]`);

afterEach(() => {
  while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
  jest.clearAllMocks();
});

describe('c-onboarding-plan', () => {
  it('asks for the plan of the account it sits on and shows the day, the risk and the timeline', async () => {
    const element = await mountWith(AT_RISK);
    expect(getPlanView).toHaveBeenCalledWith({ accountId: AT_RISK.accountId });
    expect(text(element, '[data-id="day"]')).toBe('Day 5 of 8');
    // the reason's dates come as data and are written in the user's locale, each kept on one line
    const day = (iso) =>
      new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
        new Date(`${iso}T00:00:00Z`)
      );
    expect(text(element, '[data-id="at-risk"]')).toBe(
      `At risk: on day 5, the forecast end ${day('2026-12-02')} is 5 days after the 8-day target (${day('2026-11-27')})`
    );
    expect($$(element, '[data-id="at-risk"] .nowrap').map((s) => s.textContent)).toEqual([
      day('2026-12-02'),
      day('2026-11-27')
    ]);
    expect(text(element, '[data-id="baseline"]')).toBe(
      `Baseline end: ${formatDay(AT_RISK.plan.baselineEnd, AT_RISK.plan.timeZone)}`
    );
    expect(text(element, '[data-id="slip"]')).toBe('2 days behind the baseline');
  });

  it("writes a stored reason without a judgement with its ISO dates in the user's locale", async () => {
    const element = await mountWith({ ...AT_RISK, plan: { ...AT_RISK.plan, atRiskDetail: null } });
    const text_ = text(element, '[data-id="at-risk"]');
    expect(text_).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(text_).toMatch(/^At risk: day 5: the forecast end .+ is 5 days after the 8-day target \(.+\)$/);
  });

  it('an activated plan says the day it activated on, counted in its own time zone, not the days since', async () => {
    // started Jun 29 11 AM New York, activated Jul 3 11 PM New York (Jul 4 in UTC): day 4; the plan is on day 148
    const element = await mountWith(ACTIVATED);
    expect(text(element, '[data-id="day"]')).toBe('Activated on day 4 (target: 8 days)');
    expect(planDayOf('2026-06-29T15:00:00Z', '2026-07-04T03:00:00Z', 'UTC')).toBe(5);
  });

  it('a plan past its target without activation says by how much', async () => {
    const element = await mountWith({ ...AT_RISK, plan: { ...AT_RISK.plan, day: 127 } });
    expect(text(element, '[data-id="day"]')).toBe('Day 127: 119 days past the 8-day target');
    document.body.removeChild(element);
    const onTarget = await mountWith({ ...AT_RISK, plan: { ...AT_RISK.plan, day: 8 } });
    expect(text(onTarget, '[data-id="day"]')).toBe('Day 8 of 8');
  });

  it('marks the go-live step as the gate in words, with what it means', async () => {
    const element = await mountWith(AT_RISK);
    const gates = $$(element, '[data-id="gate"]');
    expect(gates.map((g) => squash(g.textContent))).toEqual(
      AT_RISK.plan.steps.filter((s) => s.gate).map(() => 'Go-live gate')
    );
    expect(gates.length).toBeGreaterThan(0);
    expect(gates[0].title).toBe('Activation is judged once this step is done');
  });

  it('names the blueprint and the card in words, with no experiment id', async () => {
    const element = await mountWith(AT_RISK);
    expect(element.shadowRoot.querySelector('lightning-card').title).toBe('Onboarding plan');
    expect(text(element, '[data-id="blueprint"]')).toMatch(/^Implementation blueprint, version 1 · Blueprint arm · /);
  });

  it('groups the steps by side, marks the overdue one and offers only what its state allows', async () => {
    const element = await mountWith(AT_RISK);
    const sides = $$(element, '[data-id="side"]').map((s) => s.dataset.side);
    expect(sides).toEqual(['Ours', 'Customer']);
    const connector = stepOf(element, 'helpdesk_connector');
    expect(connector.querySelector('[data-id="overdue"]')).not.toBeNull();
    const actions = [...connector.querySelectorAll('lightning-button')].map((b) => b.dataset.action);
    expect(actions).toEqual(['complete', 'block', 'skip']);
    const done = stepOf(element, 'kickoff');
    expect([...done.querySelectorAll('lightning-button')].map((b) => b.dataset.action)).toEqual(['reopen']);
  });

  it('shows the due day in the plan time zone, not the browser one', () => {
    // 04:59:59 UTC is still the evening before in New York
    expect(formatDay('2026-11-21T04:59:59Z', 'America/New_York')).toBe('Nov 20, 2026');
    expect(formatDay('2026-11-21T04:59:59Z', 'UTC')).toBe('Nov 21, 2026');
  });

  it('completes a step and shows the plan the controller returns', async () => {
    const element = await mountWith(AT_RISK);
    const after = JSON.parse(JSON.stringify(AT_RISK));
    after.plan.steps.find((s) => s.key === 'helpdesk_connector').status = 'Done';
    actOnStep.mockResolvedValue(after);
    stepOf(element, 'helpdesk_connector').querySelector('lightning-button[data-action="complete"]').click();
    await flush();
    const connector = stepOf(element, 'helpdesk_connector');
    expect(actOnStep).toHaveBeenCalledWith({
      stepId: AT_RISK.plan.steps.find((s) => s.key === 'helpdesk_connector').id,
      action: 'complete',
      reason: null
    });
    expect(connector.dataset.status).toBe('Done');
  });

  it('asks for a reason before blocking and sends it', async () => {
    const element = await mountWith(AT_RISK);
    actOnStep.mockResolvedValue(AT_RISK);
    stepOf(element, 'helpdesk_connector').querySelector('lightning-button[data-action="block"]').click();
    await flush();
    expect(actOnStep).not.toHaveBeenCalled();
    const input = $(element, 'lightning-input[data-id="reason"]');
    input.dispatchEvent(new CustomEvent('change', { detail: { value: 'Admin on leave' } }));
    $(element, 'lightning-button[data-id="confirm"]').click();
    await flush();
    expect(actOnStep).toHaveBeenCalledWith(expect.objectContaining({ action: 'block', reason: 'Admin on leave' }));
  });

  // before: a blank reason went to the server, whose refusal showed at the top of the card, out of view
  it('refuses a blank reason under the box without asking the server, and shows a refusal there too', async () => {
    const element = await mountWith(AT_RISK);
    stepOf(element, 'helpdesk_connector').querySelector('lightning-button[data-action="skip"]').click();
    await flush();
    const input = $(element, 'lightning-input[data-id="reason"]');
    input.dispatchEvent(new CustomEvent('change', { detail: { value: '   ' } }));
    $(element, 'lightning-button[data-id="confirm"]').click();
    await flush();
    expect(actOnStep).not.toHaveBeenCalled();
    expect(text(element, '[data-id="reason-error"]')).toBe('Say why the step is skipped.');
    actOnStep.mockRejectedValue(ERROR);
    input.dispatchEvent(new CustomEvent('change', { detail: { value: 'Not needed' } }));
    $(element, 'lightning-button[data-id="confirm"]').click();
    await flush();
    expect(actOnStep).toHaveBeenCalledTimes(1);
    expect(text(element, '[data-id="reason-error"]')).not.toBe('');
    expect($(element, '[data-id="reason-form"]')).not.toBeNull(); // the form stays open with its message
  });

  it('shows an activated plan with its meter, and the empty and error states', async () => {
    const activated = await mountWith(ACTIVATED);
    expect(text(activated, '[data-id="meter-text"]')).toBe(
      `${ACTIVATED.plan.activation.aiResolved} of 25 AI resolutions ${ACTIVATED.plan.activation.basis}`
    );
    expect(text(activated, '[data-id="activation-status"]')).toMatch(/^Activated /);
    const empty = await mountWith(EMPTY);
    expect(text(empty, '[data-id="no-plan"]')).toMatch(/^No onboarding plan yet/);
    getPlanView.mockRejectedValue(ERROR);
    const failed = createElement('c-onboarding-plan', { is: OnboardingPlan });
    failed.recordId = EMPTY.accountId;
    document.body.appendChild(failed);
    await flush();
    expect(text(failed, '[data-id="error"]')).toBe(
      'The onboarding plan could not be loaded. You do not have access to this account.'
    );
  });
});
