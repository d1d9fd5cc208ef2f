import { createElement } from 'lwc';
import ExpansionTriggerPanel from 'c/expansionTriggerPanel';
import getExpansionView from '@salesforce/apex/GtmExpansionTriggerController.getExpansionView';
import acceptTrigger from '@salesforce/apex/GtmExpansionTriggerController.acceptTrigger';
import dismissTrigger from '@salesforce/apex/GtmExpansionTriggerController.dismissTrigger';
import { refreshApex } from '@salesforce/apex';

const VIEW = require('./data/getExpansionView.json');
const EMPTY = require('./data/getExpansionView.empty.json');
const ACCEPTED = require('./data/acceptTrigger.json');
const ACCEPTED_TASK = require('./data/acceptTrigger.task.json');
const DISMISSED = require('./data/dismissTrigger.json');
const ERROR = require('./data/error.json');

jest.mock(
  '@salesforce/apex/GtmExpansionTriggerController.getExpansionView',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true }
);
jest.mock('@salesforce/apex/GtmExpansionTriggerController.acceptTrigger', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/GtmExpansionTriggerController.dismissTrigger', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex', () => ({ refreshApex: jest.fn(() => Promise.resolve()) }), { virtual: true });

const ACCOUNT_ID = VIEW.accountId;
const TRIGGER_ID = VIEW.latestTrigger.id;
/** what lightning/platformShowToastEvent's ShowToastEvent is named */
const TOAST = 'lightning__showtoast';

/** The same date text the component shows (the user's locale, read as a calendar date). */
const day = (iso) =>
  new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${iso}T00:00:00Z`)
  );

// a macrotask: the component's async handlers chain several promises before they re-render
// eslint-disable-next-line @lwc/lwc/no-async-operation
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function mount() {
  const element = createElement('c-expansion-trigger-panel', { is: ExpansionTriggerPanel });
  element.recordId = ACCOUNT_ID;
  document.body.appendChild(element);
  return element;
}

async function mountWith(view) {
  const element = mount();
  getExpansionView.emit(view);
  await flush();
  return element;
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => Array.from(element.shadowRoot.querySelectorAll(selector));
const text = (element, selector) => ($(element, selector) ? $(element, selector).textContent.trim() : null);
const button = (element, dataId) => $(element, `lightning-button[data-id="${dataId}"]`);
const chart = (element) => $(element, 'c-usage-share-chart').shadowRoot;
const cells = (tr) => Array.from(tr.children).map((c) => c.textContent.trim());

function typeInto(element, selector, value) {
  const input = $(element, selector);
  input.value = value;
  input.dispatchEvent(new CustomEvent('change', { detail: { value } }));
}

describe('c-expansion-trigger-panel', () => {
  afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    jest.clearAllMocks();
  });

  it('shows a spinner with alternative text until the view arrives, and asks for this account', async () => {
    const element = mount();
    await flush();
    expect($(element, 'lightning-spinner').alternativeText).toBe('Loading expansion usage');
    expect(getExpansionView.getLastConfig()).toEqual({ accountId: ACCOUNT_ID });
  });

  describe('chart', () => {
    it('draws one bar per week, scaled to the busiest week', async () => {
      const element = await mountWith(VIEW);
      const bars = chart(element).querySelectorAll('rect[data-kind="bar"]');
      expect(bars).toHaveLength(14);
      const heights = Array.from(bars).map((b) => Number(b.getAttribute('height')));
      const busiest = VIEW.weeks.reduce((max, w) => Math.max(max, w.ticketsTotal), 0);
      const busiestIndex = VIEW.weeks.findIndex((w) => w.ticketsTotal === busiest);
      expect(Math.max(...heights)).toBe(heights[busiestIndex]);
      // 180 of 400 tickets -> 45% of the tallest bar
      expect(heights[0] / heights[busiestIndex]).toBeCloseTo(180 / 400, 2);
    });

    it('draws the share line through every week and a dashed, labelled threshold line', async () => {
      const element = await mountWith(VIEW);
      const line = chart(element).querySelector('polyline[data-kind="share-line"]');
      expect(line.getAttribute('points').split(' ')).toHaveLength(14);
      const threshold = chart(element).querySelector('line[data-kind="threshold"]');
      expect(threshold.getAttribute('stroke-dasharray')).toBeTruthy();
      expect(chart(element).querySelector('[data-kind="threshold-label"]').textContent.trim()).toBe('Threshold 40%');
    });

    it('marks the qualifying weeks with a diamond and a "Q", not by colour alone', async () => {
      const element = await mountWith(VIEW);
      const qualifying = VIEW.weeks.filter((w) => w.qualifies).map((w) => w.isoWeek);
      expect(qualifying).toHaveLength(4);
      const markers = chart(element).querySelectorAll('polygon[data-kind="qualifying-marker"]');
      expect(Array.from(markers).map((m) => m.dataset.week)).toEqual(qualifying);
      const labels = chart(element).querySelectorAll('[data-kind="qualifying-label"]');
      expect(Array.from(labels).map((l) => l.textContent.trim())).toEqual(['Q', 'Q', 'Q', 'Q']);
      expect(chart(element).querySelectorAll('circle[data-kind="point"]')).toHaveLength(10);
    });

    it('is one image with a summary, backed by a hidden table with every week', async () => {
      const element = await mountWith(VIEW);
      const svg = chart(element).querySelector('svg');
      expect(svg.getAttribute('role')).toBe('img');
      const summary = svg.getAttribute('aria-label');
      expect(summary).toContain('Acme Support Co');
      expect(summary).toContain('14 weeks from 2026-W01 to 2026-W14');
      expect(summary).toContain('4 of 14 weeks qualify');
      expect(summary).toContain('Threshold 40%');

      const table = chart(element).querySelector('table[data-id="chart-table"]');
      // hidden inside a clipping box, so its width never widens the card (issue 10)
      expect(table.parentElement.classList.contains('slds-assistive-text')).toBe(true);
      const rows = Array.from(table.querySelectorAll('tbody tr'));
      expect(rows).toHaveLength(14);
      expect(cells(rows[12])).toEqual(['2026-W13', day('2026-03-23'), '400', '184', '46%', 'Yes', 'Yes']);
      expect(cells(rows[13])).toEqual(['2026-W14', day('2026-03-30'), '30', '15', '50%', 'No', 'No, week in progress']);
    });

    it('never rounds a share just under the threshold up to it', async () => {
      const weeks = VIEW.weeks.map((w, i) => (i === 0 ? { ...w, share: 0.39996 } : w));
      const element = await mountWith({ ...VIEW, weeks });
      const first = chart(element).querySelector('table[data-id="chart-table"] tbody tr');
      expect(cells(first)[4]).toBe('39.9%');
    });
  });

  it('states the current streak with its weeks, enough to fire when no cooldown holds', async () => {
    const element = await mountWith({ ...VIEW, streak: { ...VIEW.streak, nextFireWeekStart: null } });
    expect(text(element, '[data-id="streak"]')).toBe(
      '3 qualifying weeks in a row (W11-W13): enough to fire (3 needed)'
    );
  });

  // issue 13: "enough to fire" was shown during the cooldown (and after a dismissal), with no word of when it can fire
  it('during the cooldown after the latest trigger, says when the next trigger can fire instead of "enough to fire"', async () => {
    const element = await mountWith(VIEW);
    const streak = text(element, '[data-id="streak"]');
    expect(streak).not.toContain('enough to fire');
    expect(streak).toBe(
      `3 qualifying weeks in a row (W11-W13); in cooldown after the trigger of 2026-W13: the next can fire in the week of ${day(
        VIEW.streak.nextFireWeekStart
      )} at the earliest`
    );
  });

  it('says when there is no qualifying streak', async () => {
    const element = await mountWith({ ...VIEW, streak: { length: 0, startWeek: null, endWeek: null, required: 3 } });
    expect(text(element, '[data-id="streak"]')).toBe('No qualifying streak');
  });

  // issue 14: "No qualifying streak" did not say which week fell short, or why
  describe('says which week broke the streak and why', () => {
    const noStreak = (extra) => ({
      ...VIEW,
      streak: { length: 0, startWeek: null, endWeek: null, required: 3, shortWeek: '2026-W13', ...extra }
    });
    it('volume below the policy minimum', async () => {
      const element = await mountWith(noStreak({ shortReason: 'below_minimum', shortTickets: 42, shortShare: 0.5 }));
      expect(text(element, '[data-id="streak"]')).toBe(
        'No qualifying streak: 2026-W13 had 42 tickets, below the minimum of 50'
      );
    });
    it('share below the policy threshold', async () => {
      const element = await mountWith(
        noStreak({ shortReason: 'below_threshold', shortTickets: 380, shortShare: 0.3999 })
      );
      expect(text(element, '[data-id="streak"]')).toBe(
        'No qualifying streak: 2026-W13 had 39.9% AI resolution share on 380 tickets, below the 40% threshold'
      );
    });
    it('no tickets recorded', async () => {
      const element = await mountWith(noStreak({ shortReason: 'no_tickets' }));
      expect(text(element, '[data-id="streak"]')).toBe('No qualifying streak: 2026-W13 had no tickets recorded');
    });
    it('a streak too short names the week before it', async () => {
      const element = await mountWith({
        ...VIEW,
        streak: {
          ...VIEW.streak,
          length: 2,
          startWeek: '2026-W12',
          shortWeek: '2026-W11',
          shortReason: 'below_minimum',
          shortTickets: 1,
          nextFireWeekStart: null
        }
      });
      expect(text(element, '[data-id="streak"]')).toBe(
        '2 qualifying weeks in a row (W12-W13), 3 needed; 2026-W11 had 1 ticket, below the minimum of 50'
      );
    });
  });

  it('explains the rule and the shadow mode from the policy values', async () => {
    const element = await mountWith(VIEW);
    expect(text(element, '[data-id="rule"]')).toBe(
      'A week qualifies at 40% AI resolution share or more on at least 50 tickets; 3 weeks in a row fire a trigger, then 8 weeks of cooldown.'
    );
    expect(text(element, '[data-id="mode"]')).toContain('Shadow mode');
  });

  it('shows the latest trigger: status, shadow mode in words, fired week, share and volume', async () => {
    const element = await mountWith(VIEW);
    expect($(element, '[data-id="trigger-status"] lightning-badge').label).toBe('Shadow');
    expect(text(element, '[data-id="trigger-mode"]')).toBe('Shadow: would have fired, nobody was alerted');
    expect(text(element, '[data-id="trigger-week"]')).toMatch(/^2026-W13 \(week of .+2026\)$/);
    expect(text(element, '[data-id="trigger-share"]')).toBe('46% AI resolution share on 400 tickets');
    expect($(element, '[data-id="decision"]')).toBeNull();
  });

  it('shows the evidence weeks and the thresholds the trigger fired on', async () => {
    const element = await mountWith(VIEW);
    const rows = $$(element, 'table[data-id="evidence"] tbody tr').map(cells);
    expect(rows.map((r) => [r[0], r[2], r[3]])).toEqual([
      ['2026-W11', '41.9%', '360'],
      ['2026-W12', '43.9%', '380'],
      ['2026-W13', '46%', '400']
    ]);
    expect(text(element, '[data-id="thresholds"] [data-id="share"]')).toBe('40% or more');
    expect(text(element, '[data-id="thresholds"] [data-id="tickets"]')).toBe('50 a week');
    expect(text(element, '[data-id="thresholds"] [data-id="weeks"]')).toBe('3 weeks');
    expect(text(element, '[data-id="thresholds"] [data-id="cooldown"]')).toBe('8 weeks');
  });

  it('lists earlier triggers with their status, without repeating the latest', async () => {
    const element = await mountWith(VIEW);
    const rows = $$(element, 'table[data-id="earlier"] tbody tr');
    expect(rows).toHaveLength(1);
    expect(cells(rows[0])[0]).toBe('2025-W40');
    expect(rows[0].querySelector('lightning-badge').label).toBe('Dismissed');
    expect(cells(rows[0])[4]).toBe('False positive');
  });

  it('shows the playbook next to Accept and says the dismiss reason feeds the false-positive measurement', async () => {
    const element = await mountWith(VIEW);
    expect(text(element, '[data-id="playbook"]')).toContain(VIEW.playbook);
    expect($(element, 'lightning-combobox[data-id="opportunity"]').label).toBe(
      'Link an open opportunity of the account (optional)'
    );
    expect($(element, 'lightning-input[data-id="opportunity-id"]')).toBeNull();
    const reason = $(element, 'lightning-textarea[data-id="dismiss-reason"]');
    // required in words, not with `required`: its on-blur message would move the Dismiss button under the pointer
    expect(reason.label).toBe('Why is this not an expansion opportunity? (required)');
    expect(reason.required).toBeFalsy();
    expect(reason.fieldLevelHelp).toContain('false-positive measurement');
    expect(text(element, '[data-id="dismiss-help"]')).toContain('false-positive measurement');
  });

  it('hides the decision actions when the trigger cannot be decided', async () => {
    const element = await mountWith({ ...VIEW, latestTrigger: { ...VIEW.latestTrigger, canDecide: false } });
    expect($(element, '[data-id="actions"]')).toBeNull();
    expect(button(element, 'accept')).toBeNull();
    expect(button(element, 'dismiss')).toBeNull();
    expect($(element, '[data-id="latest-trigger"]')).not.toBeNull();
  });

  it('says what to do next when the account has no usage, naming the usage key to set, with no CLI command', async () => {
    const element = await mountWith(EMPTY);
    expect(text(element, '[data-id="empty"]')).toBe(
      'No usage yet for this account: it has no Usage Account Key, so no ticket export can be matched to it. Set the key on the account, then ask RevOps to sync usage.'
    );
    expect($(element, 'c-usage-share-chart')).toBeNull();
    expect($(element, '[data-id="latest-trigger"]')).toBeNull();
  });

  it('names the usage key in the empty state when the account has one', async () => {
    const element = await mountWith({ ...EMPTY, usageKey: 'blank-ind' });
    expect(text(element, '[data-id="empty"]')).toBe(
      "No usage yet for this account. Its weekly AI resolution share appears after RevOps syncs a ticket export that carries this account's usage key (blank-ind)."
    );
  });

  it('shows a readable error when the view cannot be loaded', async () => {
    const element = mount();
    getExpansionView.error(ERROR.body);
    await flush();
    const alert = $(element, '[data-id="load-error"]');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain(ERROR.body.message);
    expect($(element, 'lightning-spinner')).toBeNull();
  });

  describe('actions', () => {
    it('accepts without an opportunity (null), shows the returned decision, toasts and refreshes', async () => {
      acceptTrigger.mockResolvedValue(ACCEPTED_TASK);
      const element = await mountWith(VIEW);
      const toast = jest.fn();
      element.addEventListener(TOAST, toast);

      typeInto(element, 'lightning-combobox[data-id="opportunity"]', '');
      button(element, 'accept').click();
      await flush();

      expect(acceptTrigger).toHaveBeenCalledWith({ triggerId: TRIGGER_ID, opportunityId: null });
      expect($(element, '[data-id="trigger-status"] lightning-badge').label).toBe('Accepted');
      expect(text(element, '[data-id="decided"]')).toMatch(/^Accepted by Sam Ortiz on .+2026$/);
      // issue 13: the Task's link opens the Task, and the panel names its owner and due date
      expect($(element, '[data-id="decision-task"] a').getAttribute('href')).toBe(
        '/lightning/r/Task/00T5g00000TASK1AAA/view'
      );
      expect($(element, '[data-id="decision-task"] a').textContent).toBe(
        ACCEPTED_TASK.latestTrigger.followUpTask.subject
      );
      expect(text(element, '[data-id="task-details"]')).toBe(
        `(owner Dana Reyes, due ${day(ACCEPTED_TASK.latestTrigger.followUpTask.dueDate)}, Not Started)`
      );
      expect($(element, '[data-id="actions"]')).toBeNull();
      expect(toast.mock.calls[0][0].detail).toMatchObject({
        title: 'Trigger accepted',
        message: 'A follow-up task with the playbook was created.',
        variant: 'success'
      });
      expect(refreshApex).toHaveBeenCalledTimes(1);
    });

    // issue 12: linking an opportunity needed its raw record Id; now a picker of the account's open opportunities
    it("offers the account's open opportunities by name and links the one picked", async () => {
      acceptTrigger.mockResolvedValue(ACCEPTED);
      const element = await mountWith(VIEW);

      const picker = $(element, 'lightning-combobox[data-id="opportunity"]');
      expect(picker.options.map((o) => o.value)).toEqual(['', ...VIEW.openOpportunities.map((o) => o.id)]);
      expect(picker.options[1].label).toBe(
        `Acme Support Co - Seat expansion (Qualification, closes ${day(VIEW.openOpportunities[0].closeDate)})`
      );
      typeInto(element, 'lightning-combobox[data-id="opportunity"]', '0065g00000EXPN1AAA');
      button(element, 'accept').click();
      await flush();

      expect(acceptTrigger).toHaveBeenCalledWith({ triggerId: TRIGGER_ID, opportunityId: '0065g00000EXPN1AAA' });
      const link = $(element, '[data-id="decision-opportunity"] a');
      expect(link.textContent).toBe('Acme Support Co - Seat expansion');
      expect(link.getAttribute('href')).toBe('/lightning/r/0065g00000EXPN1AAA/view');
    });

    it('says so when the account has no open opportunity, and accepting creates the task', async () => {
      acceptTrigger.mockResolvedValue(ACCEPTED_TASK);
      const element = await mountWith({ ...VIEW, openOpportunities: [] });
      expect($(element, 'lightning-combobox[data-id="opportunity"]')).toBeNull();
      expect(text(element, '[data-id="no-opportunities"]')).toBe('The account has no open opportunity to link.');
      button(element, 'accept').click();
      await flush();
      expect(acceptTrigger).toHaveBeenCalledWith({ triggerId: TRIGGER_ID, opportunityId: null });
    });

    // issue 13: an older undecided Shadow trigger behind a decided latest one could not be decided
    it('lets an older undecided trigger be decided from the earlier triggers', async () => {
      const older = {
        ...VIEW.latestTrigger,
        id: 'a0B5g00000TRIGOAAA',
        isoWeek: '2026-W03',
        weekStart: '2026-01-12',
        status: 'Shadow',
        canDecide: true
      };
      const latest = { ...VIEW.latestTrigger, status: 'Dismissed', canDecide: false, decisionReason: 'Seasonal' };
      dismissTrigger.mockResolvedValue(DISMISSED);
      const element = await mountWith({ ...VIEW, latestTrigger: latest, triggers: [latest, older] });
      expect($(element, '[data-id="actions"]')).toBeNull();
      expect(text(element, '[data-id="undecided-earlier"]')).toBe(
        '1 earlier trigger is still undecided: open one to decide it.'
      );

      button(element, 'decide-earlier').click();
      await flush();
      expect(text(element, '[data-id="trigger-heading"]')).toBe('Earlier trigger 2026-W03');
      expect(text(element, '[data-id="trigger-week"]')).toContain('2026-W03');
      typeInto(element, 'lightning-textarea[data-id="dismiss-reason"]', 'Backlog clean-up');
      button(element, 'dismiss').click();
      await flush();
      expect(dismissTrigger).toHaveBeenCalledWith({ triggerId: older.id, reason: 'Backlog clean-up' });
    });

    it('shows the follow-up task of a live trigger with its owner and due date before it is decided', async () => {
      const task = {
        id: '00T5g00000TASK9AAA',
        subject: 'Expansion signal 2026-W13',
        ownerName: 'Ana Li',
        dueDate: '2026-04-06',
        status: 'Not Started'
      };
      const open = { ...VIEW.latestTrigger, status: 'Open', mode: 'Live', followUpTaskId: task.id, followUpTask: task };
      const element = await mountWith({ ...VIEW, latestTrigger: open, triggers: [open] });
      expect($(element, '[data-id="decision-task"] a').getAttribute('href')).toBe(`/lightning/r/Task/${task.id}/view`);
      expect(text(element, '[data-id="task-details"]')).toBe(`(owner Ana Li, due ${day(task.dueDate)}, Not Started)`);
      expect($(element, '[data-id="actions"]')).not.toBeNull();
    });

    // issue 14: with the server down, a failed decision and the failed refresh after it showed two error banners
    it('shows one error banner when a decision fails and the refresh after it fails too', async () => {
      dismissTrigger.mockRejectedValue(ERROR);
      refreshApex.mockImplementationOnce(() => {
        getExpansionView.error(ERROR.body);
        return Promise.reject(ERROR);
      });
      const element = await mountWith(VIEW);
      typeInto(element, 'lightning-textarea[data-id="dismiss-reason"]', 'Not a fit');
      button(element, 'dismiss').click();
      await flush();
      await flush();
      const banners = $$(element, '.slds-notify_alert[role="alert"]');
      expect(banners).toHaveLength(1);
      expect(banners[0].textContent).toContain('This trigger was already decided by Dana Reyes.');
    });

    it('does not dismiss without a reason', async () => {
      const element = await mountWith(VIEW);
      typeInto(element, 'lightning-textarea[data-id="dismiss-reason"]', '  ');
      button(element, 'dismiss').click();
      await flush();

      expect(dismissTrigger).not.toHaveBeenCalled();
      const message = $(element, '[data-id="reason-error"]');
      expect(message.getAttribute('role')).toBe('alert');
      expect(message.textContent).toContain('Enter why this trigger is not an expansion opportunity');
    });

    it('dismisses with the trimmed reason and shows the decision with the reason', async () => {
      dismissTrigger.mockResolvedValue(DISMISSED);
      const element = await mountWith(VIEW);
      const toast = jest.fn();
      element.addEventListener(TOAST, toast);

      const reason = 'Share rose because a backlog of password resets was auto-closed';
      typeInto(element, 'lightning-textarea[data-id="dismiss-reason"]', `${reason}\n`);
      button(element, 'dismiss').click();
      await flush();

      expect(dismissTrigger).toHaveBeenCalledWith({ triggerId: TRIGGER_ID, reason });
      expect($(element, '[data-id="trigger-status"] lightning-badge').label).toBe('Dismissed');
      expect(text(element, '[data-id="decision-reason"]')).toBe(`Reason: ${reason}`);
      expect($(element, '[data-id="reason-error"]')).toBeNull();
      expect(toast.mock.calls[0][0].detail).toMatchObject({ title: 'Trigger dismissed', variant: 'success' });
      expect(refreshApex).toHaveBeenCalledTimes(1);
    });

    it('disables both buttons while a decision is being saved', async () => {
      let resolve;
      acceptTrigger.mockReturnValue(
        new Promise((r) => {
          resolve = r;
        })
      );
      const element = await mountWith(VIEW);
      button(element, 'accept').click();
      await flush();
      expect(button(element, 'accept').disabled).toBe(true);
      expect(button(element, 'dismiss').disabled).toBe(true);
      expect($(element, 'lightning-spinner').alternativeText).toBe('Saving');
      resolve(ACCEPTED_TASK);
      await flush();
      expect($(element, 'lightning-spinner')).toBeNull();
    });

    it('shows the readable message when a decision fails, keeps the form and refreshes what changed behind the page', async () => {
      dismissTrigger.mockRejectedValue(ERROR);
      const element = await mountWith(VIEW);
      typeInto(element, 'lightning-textarea[data-id="dismiss-reason"]', 'Not a fit');
      button(element, 'dismiss').click();
      await flush();

      const alert = $(element, '[data-id="action-error"]');
      expect(alert.getAttribute('role')).toBe('alert');
      expect(alert.textContent).toContain('This trigger was already decided by Dana Reyes.');
      expect(button(element, 'dismiss').disabled).toBe(false);
      expect($(element, 'lightning-textarea[data-id="dismiss-reason"]').value).toBe('Not a fit');
      expect(refreshApex).toHaveBeenCalledTimes(1);
    });
  });
});
