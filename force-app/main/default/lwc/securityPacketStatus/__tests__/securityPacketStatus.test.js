import { createElement } from 'lwc';
import SecurityPacketStatus from 'c/securityPacketStatus';
import getPacketStatus from '@salesforce/apex/GtmSecurityPacketController.getPacketStatus';
import markPacketSent from '@salesforce/apex/GtmSecurityPacketController.markPacketSent';
import recordReviewCompleted from '@salesforce/apex/GtmSecurityPacketController.recordReviewCompleted';
import recordReviewBlocked from '@salesforce/apex/GtmSecurityPacketController.recordReviewBlocked';
import { refreshApex } from '@salesforce/apex';
import { publish, subscribe } from 'lightning/messageService';

const VIEW = require('./data/getPacketStatus.json');
const EMPTY = require('./data/getPacketStatus.empty.json');
const BLOCKED = require('./data/getPacketStatus.blocked.json');
const COMPLETED = require('./data/getPacketStatus.completed.json');
const SENT = require('./data/markPacketSent.json');
const DONE = require('./data/recordReviewCompleted.json');
const BLOCKED_RESULT = require('./data/recordReviewBlocked.json');
const ERROR = require('./data/error.json');
const PAST_GATE = require('./data/getPacketStatus.pastGate.json');
const DONE_BY_EXCEPTION = require('./data/recordReviewCompleted.exception.json');
const RESENT = require('./data/markPacketSent.resent.json');
/** In Review with the NDA signed and every item current: nothing keeps it from completing */
const READY = { ...VIEW, collateralCurrent: true, collateral: COMPLETED.collateral };
/** No packet yet, with the library collateral judged (one item expired, one missing) */
const NOT_SENT = { ...EMPTY, collateral: VIEW.collateral };

jest.mock(
  '@salesforce/apex/GtmSecurityPacketController.getPacketStatus',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true }
);
jest.mock('@salesforce/apex/GtmSecurityPacketController.markPacketSent', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/GtmSecurityPacketController.recordReviewCompleted', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/GtmSecurityPacketController.recordReviewBlocked', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex', () => ({ refreshApex: jest.fn(() => Promise.resolve()) }), { virtual: true });

const OPP_ID = VIEW.opportunityId;
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
  const element = createElement('c-security-packet-status', { is: SecurityPacketStatus });
  element.recordId = OPP_ID;
  document.body.appendChild(element);
  return element;
}

async function mountWith(view) {
  const element = mount();
  getPacketStatus.emit(view);
  await flush();
  return element;
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => Array.from(element.shadowRoot.querySelectorAll(selector));
const text = (element, selector) => ($(element, selector) ? $(element, selector).textContent.trim() : null);
const button = (element, dataId) => $(element, `lightning-button[data-id="${dataId}"]`);
const count = (n) => new Intl.NumberFormat(undefined).format(n);
const buttonIds = (element) => $$(element, '[data-id="actions"] lightning-button').map((b) => b.dataset.id);
/** Types into the open reason form's textarea as lightning-textarea reports it. */
const typeReason = (element, value) => {
  const textarea = $(element, 'lightning-textarea[data-reason]');
  textarea.value = value;
  textarea.dispatchEvent(new CustomEvent('change', { detail: { value } }));
  return textarea;
};
const statusTexts = (element) => $$(element, '[data-id="collateral-status"]').map((td) => td.textContent.trim());

describe('c-security-packet-status', () => {
  afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    jest.clearAllMocks();
  });

  it('shows a spinner with alternative text until the packet arrives', async () => {
    const element = mount();
    await flush();
    const spinner = $(element, 'lightning-spinner');
    expect(spinner).not.toBeNull();
    expect(spinner.alternativeText).toBe('Loading the security packet');
    expect($(element, '[data-id="empty"]')).toBeNull();
  });

  it('asks for the packet of this opportunity', async () => {
    mount();
    await flush();
    expect(getPacketStatus.getLastConfig()).toEqual({ opportunityId: OPP_ID });
  });

  describe('with a packet in review', () => {
    it('shows the card title and icon, the review stage and the NDA in words', async () => {
      const element = await mountWith(VIEW);
      const card = $(element, 'lightning-card');
      expect(card.title).toBe('Security review');
      expect(card.iconName).toBe('standard:password');
      expect($(element, '[data-id="review-stage"] lightning-badge').label).toBe('In Review');
      expect(text(element, '[data-id="nda"]')).toBe('NDA signed');
      expect($(element, 'lightning-spinner')).toBeNull();
    });

    it('puts each collateral status into words against the close date, with version and valid-until', async () => {
      const element = await mountWith(VIEW);
      expect(statusTexts(element)).toEqual([
        'Current through close',
        `Expires ${day('2026-05-15')}, before close ${day('2026-06-30')}`,
        `Expired ${day('2026-02-28')}`,
        'Missing'
      ]);
      const rows = $$(element, 'table[data-id="collateral"] tbody tr');
      expect(rows).toHaveLength(4);
      expect(rows[0].textContent).toContain('SOC 2 Type II');
      expect(rows[0].textContent).toContain('2025.2');
      expect(rows[0].textContent).toContain(day('2026-12-31'));
      expect(rows[0].querySelector('a').href).toBe('https://trust.example.com/soc2');
      // the missing item has no version or date: a dash, not an empty cell
      expect(rows[3].querySelectorAll('td')[0].textContent).toBe('—');
    });

    it('gives every status icon an icon that is not the only cue (text sits beside it)', async () => {
      const element = await mountWith(VIEW);
      const icons = $$(element, '[data-id="collateral-status"] lightning-icon');
      expect(icons.map((i) => i.iconName)).toEqual([
        'utility:success',
        'utility:warning',
        'utility:error',
        'utility:ban'
      ]);
      expect(icons.every((i) => i.alternativeText)).toBe(true);
    });

    it('counts the items that block an enterprise proposal', async () => {
      const element = await mountWith(VIEW);
      expect(text(element, '[data-id="enterprise-line"]')).toBe('3 items block an enterprise proposal');
    });

    it('says when collateral is current for an enterprise deal', async () => {
      const element = await mountWith(COMPLETED);
      expect(text(element, '[data-id="enterprise-line"]')).toBe('Collateral current for this deal');
    });

    it('says collateral does not gate a deal outside the enterprise segments', async () => {
      const element = await mountWith({ ...VIEW, enterprise: false, segment: 'Mid-Market' });
      expect($(element, '[data-id="enterprise-line"]')).toBeNull();
      expect(text(element, '[data-id="segment-line"]')).toBe(
        'Mid-Market segment: collateral does not gate the proposal stage for this deal.'
      );
    });

    it('shows the review day against target and baseline, on target, and the time in each stage', async () => {
      const element = await mountWith(VIEW);
      expect(text(element, '[data-id="cycle-text"]')).toBe('Day 12 of review (target 17 days, baseline 28 days)');
      expect(text(element, '[data-id="target-text"]')).toBe('On target: 5 days left');
      const rows = $$(element, 'table[data-id="stages"] tbody tr').map((tr) =>
        Array.from(tr.children).map((c) => c.textContent.trim())
      );
      expect(rows).toEqual([
        ['Requested', day('2026-03-20'), day('2026-03-23'), '3 days'],
        ['Packet Sent', day('2026-03-23'), day('2026-03-26'), '3 days'],
        ['In Review', day('2026-03-26'), 'Ongoing', '6 days']
      ]);
      expect($(element, '[data-id="blocked"]')).toBeNull();
    });

    it('shows a completed review in days against target', async () => {
      const element = await mountWith(COMPLETED);
      expect(text(element, '[data-id="cycle-text"]')).toBe('Completed in 16 days (target 17 days)');
      expect(text(element, '[data-id="target-text"]')).toBe('On target');
      // nothing is left to record on a completed review
      expect($(element, '[data-id="actions"]')).toBeNull();
    });

    it('shows a blocked review with its reason and the days over target', async () => {
      const element = await mountWith(BLOCKED);
      expect($(element, '[data-id="review-stage"] lightning-badge').label).toBe('Blocked');
      expect(text(element, '[data-id="blocked"]')).toBe(
        `Review blocked since ${day('2026-04-10')}: Customer requires an ISO 27001 certificate`
      );
      expect(text(element, '[data-id="cycle-text"]')).toBe('Day 21 of review (target 17 days, baseline 28 days)');
      expect(text(element, '[data-id="target-text"]')).toBe('Over target by 4 days');
    });
  });

  it('shows what to do next when there is no packet, and offers only "Mark packet sent"', async () => {
    const element = await mountWith(EMPTY);
    expect(text(element, '[data-id="empty"]')).toBe(
      'No security packet yet. Mark the packet sent to start the review clock.'
    );
    expect(text(element, '[data-id="nda"]')).toBe('NDA not signed');
    expect($(element, '[data-id="review-stage"] lightning-badge').label).toBe('Not started');
    expect($(element, '[data-id="cycle-text"]')).toBeNull();
    expect(button(element, 'mark-sent')).not.toBeNull();
    expect(button(element, 'completed')).toBeNull();
    expect(button(element, 'show-blocked')).toBeNull();
  });

  it('shows a readable error when the packet cannot be loaded', async () => {
    const element = mount();
    getPacketStatus.error(ERROR.body);
    await flush();
    const alert = $(element, '[data-id="load-error"]');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain('The security packet could not be loaded.');
    expect(alert.textContent).toContain(ERROR.body.message);
    expect($(element, 'lightning-spinner')).toBeNull();
  });

  it('hides every action when the user cannot edit, and says why', async () => {
    const element = await mountWith({ ...VIEW, canEdit: false });
    expect($(element, '[data-id="actions"]')).toBeNull();
    expect($$(element, 'lightning-button')).toHaveLength(0);
    expect(text(element, '[data-id="read-only"]')).toContain('You can view this review but not update it.');
  });

  describe('actions', () => {
    it('marks the packet sent with the opportunity id, shows the returned view, toasts and refreshes', async () => {
      markPacketSent.mockResolvedValue(SENT);
      const element = await mountWith(EMPTY);
      const toast = jest.fn();
      element.addEventListener(TOAST, toast);

      button(element, 'mark-sent').click();
      await flush();

      expect(markPacketSent).toHaveBeenCalledTimes(1);
      expect(markPacketSent).toHaveBeenCalledWith({ opportunityId: OPP_ID, reason: null });
      expect($(element, '[data-id="empty"]')).toBeNull();
      expect($(element, '[data-id="review-stage"] lightning-badge').label).toBe('Packet Sent');
      expect(text(element, '[data-id="cycle-text"]')).toBe('Day 0 of review (target 17 days, baseline 28 days)');
      expect(toast).toHaveBeenCalledTimes(1);
      expect(toast.mock.calls[0][0].detail).toMatchObject({ title: 'Packet marked sent', variant: 'success' });
      expect(refreshApex).toHaveBeenCalledTimes(1);
    });

    it('disables the buttons while a call is in flight', async () => {
      let resolve;
      markPacketSent.mockReturnValue(
        new Promise((r) => {
          resolve = r;
        })
      );
      const element = await mountWith(EMPTY);
      button(element, 'mark-sent').click();
      await flush();
      expect($$(element, 'lightning-button').every((b) => b.disabled)).toBe(true);
      expect($(element, 'lightning-spinner').alternativeText).toBe('Saving');

      resolve(SENT);
      await flush();
      expect($$(element, 'lightning-button').some((b) => b.disabled)).toBe(false);
    });

    it('records the review completed and shows the completed cycle over target', async () => {
      recordReviewCompleted.mockResolvedValue(DONE);
      const element = await mountWith(READY);

      button(element, 'completed').click();
      await flush();

      expect(recordReviewCompleted).toHaveBeenCalledWith({ opportunityId: OPP_ID, exceptionReason: null });
      expect(text(element, '[data-id="cycle-text"]')).toBe('Completed in 25 days (target 17 days)');
      expect(text(element, '[data-id="target-text"]')).toBe('Over target by 8 days');
      expect(refreshApex).toHaveBeenCalledTimes(1);
    });

    it('requires a reason before recording the review blocked', async () => {
      const element = await mountWith(VIEW);
      expect($(element, '[data-id="blocked-form"]')).toBeNull();

      button(element, 'show-blocked').click();
      await flush();
      const textarea = $(element, 'lightning-textarea[data-id="blocked-reason"]');
      expect(textarea.label).toBe('Why is the review blocked? (required)');
      expect(textarea.required).toBeFalsy();

      textarea.value = '   ';
      textarea.dispatchEvent(new CustomEvent('change', { detail: { value: '   ' } }));
      button(element, 'submit-blocked').click();
      await flush();

      expect(recordReviewBlocked).not.toHaveBeenCalled();
      const message = $(element, '[data-id="reason-error"]');
      expect(message.getAttribute('role')).toBe('alert');
      expect(message.textContent).toContain('Enter why the review is blocked');
    });

    it('records the review blocked with the trimmed reason and shows it', async () => {
      recordReviewBlocked.mockResolvedValue(BLOCKED_RESULT);
      const element = await mountWith(VIEW);
      button(element, 'show-blocked').click();
      await flush();

      const textarea = $(element, 'lightning-textarea[data-id="blocked-reason"]');
      textarea.dispatchEvent(new CustomEvent('change', { detail: { value: '  Waiting on the customer legal team ' } }));
      button(element, 'submit-blocked').click();
      await flush();

      expect(recordReviewBlocked).toHaveBeenCalledWith({
        opportunityId: OPP_ID,
        reason: 'Waiting on the customer legal team'
      });
      expect(text(element, '[data-id="blocked"]')).toBe(
        `Review blocked since ${day('2026-04-14')}: Waiting on the customer legal team`
      );
      expect($(element, '[data-id="blocked-form"]')).toBeNull();
      expect(refreshApex).toHaveBeenCalledTimes(1);
    });

    it('closes the reason form on cancel without calling Apex', async () => {
      const element = await mountWith(VIEW);
      button(element, 'show-blocked').click();
      await flush();
      button(element, 'cancel-blocked').click();
      await flush();
      expect($(element, '[data-id="blocked-form"]')).toBeNull();
      expect(recordReviewBlocked).not.toHaveBeenCalled();
    });

    it('shows the readable message when an action fails and keeps the view', async () => {
      recordReviewCompleted.mockRejectedValue(ERROR);
      const element = await mountWith(READY);
      const toast = jest.fn();
      element.addEventListener(TOAST, toast);

      button(element, 'completed').click();
      await flush();

      const alert = $(element, '[data-id="action-error"]');
      expect(alert.getAttribute('role')).toBe('alert');
      expect(alert.textContent).toContain('Only the opportunity owner can record the review outcome.');
      expect(text(element, '[data-id="cycle-text"]')).toBe('Day 12 of review (target 17 days, baseline 28 days)');
      expect(toast).not.toHaveBeenCalled();
      // the stale page catches up with the store; the message stays
      expect(refreshApex).toHaveBeenCalledTimes(1);
      expect(button(element, 'completed').disabled).toBe(false);
    });
  });

  describe('the other panels of the deal (c/gtmRecordSync)', () => {
    const deliver = (message) => subscribe.mock.calls[subscribe.mock.calls.length - 1][2](message);

    it('announces a recorded step, and nothing when the step was refused', async () => {
      markPacketSent.mockResolvedValue(SENT);
      const element = await mountWith(EMPTY);
      button(element, 'mark-sent').click();
      await flush();
      expect(publish).toHaveBeenCalledTimes(1);
      expect(publish.mock.calls[0][2]).toEqual({
        recordId: OPP_ID,
        source: 'securityPacketStatus',
        change: 'packet_updated'
      });

      publish.mockClear();
      recordReviewCompleted.mockRejectedValue(ERROR);
      const other = await mountWith(READY);
      button(other, 'completed').click();
      await flush();
      expect(publish).not.toHaveBeenCalled();
    });

    it('reads the packet again when another panel started the review on this deal', async () => {
      await mountWith(EMPTY);
      refreshApex.mockClear();
      deliver({ recordId: OPP_ID, source: 'securityPacketStatus', change: 'packet_updated' });
      deliver({ recordId: '006-another-deal', source: 'pilotScorecard', change: 'blocker_action' });
      expect(refreshApex).not.toHaveBeenCalled();
      deliver({ recordId: OPP_ID, source: 'pilotScorecard', change: 'blocker_action' });
      expect(refreshApex).toHaveBeenCalledTimes(1);
    });
  });

  describe('each stage offers only its next steps (issue 13, defect 5)', () => {
    it('In Review: send again (a step back), complete or block; never "Mark packet sent"', async () => {
      const element = await mountWith(VIEW);
      expect(buttonIds(element)).toEqual(['resend', 'completed', 'show-blocked']);
      expect(button(element, 'mark-sent')).toBeNull();
      expect(button(element, 'resend').label).toBe('Send packet again');
    });

    it('Packet Sent: complete or block; Blocked: send again or complete', async () => {
      const sent = await mountWith(SENT);
      expect(buttonIds(sent)).toEqual(['completed', 'show-blocked']);
      document.body.removeChild(sent);
      const blocked = await mountWith(BLOCKED);
      expect(buttonIds(blocked)).toEqual(['resend', 'completed']);
    });

    it('sending again asks why, says what moves back, and needs a reason before it calls Apex', async () => {
      const element = await mountWith(VIEW);
      button(element, 'resend').click();
      await flush();
      expect($(element, '[data-id="actions"]')).toBeNull();
      expect(text(element, '[data-id="reason-intro"]')).toBe(
        'Sending the packet again moves the review back from In Review to Packet Sent.'
      );
      expect($(element, 'lightning-textarea[data-id="resend-reason"]').label).toBe(
        'Why send the packet again? (required)'
      );
      button(element, 'submit-resend').click();
      await flush();
      expect(markPacketSent).not.toHaveBeenCalled();
      expect(text(element, '[data-id="reason-error"]')).toContain('Enter why the packet goes out again');
    });

    it('sends again with the reason and shows the logged step back, the stage table ending at Packet Sent', async () => {
      markPacketSent.mockResolvedValue(RESENT);
      const element = await mountWith(VIEW);
      button(element, 'resend').click();
      await flush();
      typeReason(element, ' Customer lost the first packet ');
      button(element, 'submit-resend').click();
      await flush();
      expect(markPacketSent).toHaveBeenCalledWith({ opportunityId: OPP_ID, reason: 'Customer lost the first packet' });
      expect($(element, '[data-id="review-stage"] lightning-badge').label).toBe('Packet Sent');
      const stages = $$(element, 'table[data-id="stages"] tbody tr').map((tr) => tr.children[0].textContent.trim());
      expect(stages).toEqual(['Requested', 'Packet Sent']);
      expect(text(element, '[data-id="stage-log"] li')).toBe(
        `${day('2026-04-14')} Dana Whitfield: In Review -> Packet Sent (packet sent again): Customer lost the first packet [was: review started ${day('2026-03-26')}]`
      );
      expect(buttonIds(element)).toEqual(['completed', 'show-blocked']);
    });
  });

  describe('completing needs the NDA and current collateral, or an exception (issue 13, defect 6)', () => {
    it('asks for an exception reason, naming what is missing, instead of completing', async () => {
      const element = await mountWith({ ...VIEW, ndaSigned: false });
      button(element, 'completed').click();
      await flush();
      expect(recordReviewCompleted).not.toHaveBeenCalled();
      expect(text(element, '[data-id="reason-intro"]')).toBe(
        `The review is not ready to complete: NDA not signed; Penetration Test Summary expires ${day('2026-05-15')}, before close; Data Processing Addendum expired ${day('2026-02-28')}; AI Data Usage Policy missing. Completing it now records an exception, left out of the review cycle-time measure.`
      );
      button(element, 'submit-exception').click();
      await flush();
      expect(recordReviewCompleted).not.toHaveBeenCalled();
      expect(text(element, '[data-id="reason-error"]')).toContain('Enter why the review completes');
    });

    it('completes by exception with the reason and never reports it on target', async () => {
      recordReviewCompleted.mockResolvedValue(DONE_BY_EXCEPTION);
      const element = await mountWith(VIEW);
      button(element, 'completed').click();
      await flush();
      typeReason(element, DONE_BY_EXCEPTION.completionExceptionReason);
      button(element, 'submit-exception').click();
      await flush();
      expect(recordReviewCompleted).toHaveBeenCalledWith({
        opportunityId: OPP_ID,
        exceptionReason: DONE_BY_EXCEPTION.completionExceptionReason
      });
      expect(text(element, '[data-id="cycle-text"]')).toBe(
        'Completed by exception in 25 days: not counted toward the target (17 days)'
      );
      expect($(element, '[data-id="target-text"]')).toBeNull();
      expect(text(element, '[data-id="exception"]')).toBe(
        `Completion exception: ${DONE_BY_EXCEPTION.completionExceptionReason}`
      );
    });

    it('a completion exception in the view is never "Completed in 0 days · On target"', async () => {
      const element = await mountWith({
        ...DONE_BY_EXCEPTION,
        cycle: { ...DONE_BY_EXCEPTION.cycle, days: 0 }
      });
      expect(text(element, '[data-id="cycle-text"]')).not.toContain('On target');
      expect(text(element, '[data-id="cycle-text"]')).toContain('by exception');
    });
  });

  describe('a deal past the proposal gate without current collateral (issue 13, defect 8)', () => {
    it('says so loudly, naming each expired or missing item and who renews it', async () => {
      const element = await mountWith(PAST_GATE);
      const alert = $(element, '[data-id="escalation"]');
      expect(alert.getAttribute('role')).toBe('alert');
      expect(text(element, '[data-id="escalation-title"]')).toBe(
        'Past the proposal gate without current collateral: 2 items to renew now'
      );
      expect($$(element, '[data-id="escalation-item"]').map((li) => li.textContent.trim())).toEqual([
        `Security Questionnaire expired ${day('2026-03-31')}. Renewal: Priya Raman (collateral owner)`,
        'AI Data Usage Policy missing. Renewal: Security (nothing published yet)'
      ]);
    });

    it.each([
      ['before the gate', { ...PAST_GATE, pastProposalGate: false }],
      ['outside the enterprise segments', { ...PAST_GATE, enterprise: false }],
      ['with current collateral', { ...COMPLETED, pastProposalGate: true }]
    ])('stays quiet %s', async (_name, view) => {
      const element = await mountWith(view);
      expect($(element, '[data-id="escalation"]')).toBeNull();
    });
  });

  describe('reasons and warnings (issue 13, defect 14)', () => {
    it('counts down the characters a reason may still hold, to the field length', async () => {
      const element = await mountWith(VIEW);
      button(element, 'show-blocked').click();
      await flush();
      const textarea = $(element, 'lightning-textarea[data-reason]');
      expect(textarea.maxLength).toBe(255);
      expect(text(element, '[data-id="reason-counter"]')).toBe(`${count(255)} characters left`);
      typeReason(element, 'x'.repeat(254));
      await flush();
      expect(text(element, '[data-id="reason-counter"]')).toBe('1 character left');
      expect($(element, '[data-id="reason-counter"]').getAttribute('aria-live')).toBe('polite');
    });

    it('warns before sending a packet with collateral not current, and sends only when confirmed', async () => {
      markPacketSent.mockResolvedValue(SENT);
      const element = await mountWith(NOT_SENT);
      button(element, 'mark-sent').click();
      await flush();
      expect(markPacketSent).not.toHaveBeenCalled();
      expect(text(element, '[data-id="send-warning"]')).toBe(
        `3 required items are not current: Penetration Test Summary expires ${day('2026-05-15')}, before close; Data Processing Addendum expired ${day('2026-02-28')}; AI Data Usage Policy missing. Send the packet anyway?`
      );
      button(element, 'cancel-send').click();
      await flush();
      expect($(element, '[data-id="send-confirm"]')).toBeNull();
      expect(markPacketSent).not.toHaveBeenCalled();

      button(element, 'mark-sent').click();
      await flush();
      button(element, 'confirm-send').click();
      await flush();
      expect(markPacketSent).toHaveBeenCalledWith({ opportunityId: OPP_ID, reason: null });
    });
  });

  describe('dates and numbers through c/gtmFormat (issue 13, defect 11)', () => {
    it('writes every count with its unit and the locale grouping, every date the same way', async () => {
      const element = await mountWith({
        ...VIEW,
        cycle: {
          ...VIEW.cycle,
          days: 1234,
          onTarget: false,
          stages: [{ stage: 'Requested', startDate: '2023-03-20', endDate: null, days: 1234 }]
        }
      });
      expect(text(element, '[data-id="cycle-text"]')).toBe(
        `Day ${count(1234)} of review (target 17 days, baseline 28 days)`
      );
      expect(text(element, '[data-id="target-text"]')).toBe(`Over target by ${count(1217)} days`);
      const row = $$(element, 'table[data-id="stages"] tbody tr')[0];
      expect(Array.from(row.children).map((c) => c.textContent.trim())).toEqual([
        'Requested',
        day('2023-03-20'),
        'Ongoing',
        `${count(1234)} days`
      ]);
      expect(text(element, '[data-id="close-date"]')).toBe(day('2026-06-30'));
    });
  });
});
