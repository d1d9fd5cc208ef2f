import { publish, subscribe, unsubscribe } from 'lightning/messageService';
import RECORD_CHANGED from '@salesforce/messageChannel/GtmRecordChanged__c';
import { announceChange, askToShow, listenForChanges, stopListening } from 'c/gtmRecordSync';

const CONTEXT = { context: 'the page' };

describe('c/gtmRecordSync', () => {
  afterEach(() => jest.clearAllMocks());

  it('announces a change of the record on the GtmRecordChanged channel; a request to show carries no change', () => {
    announceChange(CONTEXT, '006A', 'pilotScorecard', 'blocker_action');
    askToShow(CONTEXT, '006A', 'pilotScorecard', 'hallucination_failing_cases');
    expect(publish.mock.calls).toEqual([
      [CONTEXT, RECORD_CHANGED, { recordId: '006A', source: 'pilotScorecard', change: 'blocker_action' }],
      [CONTEXT, RECORD_CHANGED, { recordId: '006A', source: 'pilotScorecard', show: 'hallucination_failing_cases' }]
    ]);
  });

  it('announces nothing without a record', () => {
    announceChange(CONTEXT, undefined, 'pilotScorecard', 'blocker_action');
    askToShow(CONTEXT, '', 'pilotScorecard', 'hallucination_failing_cases');
    expect(publish).not.toHaveBeenCalled();
  });

  it("passes on another panel's change of the same record, read at each message", () => {
    const onChange = jest.fn();
    let recordId;
    listenForChanges(CONTEXT, () => recordId, 'securityPacketStatus', onChange);
    expect(subscribe).toHaveBeenCalledWith(CONTEXT, RECORD_CHANGED, expect.any(Function));
    const listener = subscribe.mock.calls[0][2];
    const change = { recordId: '006A', source: 'pilotScorecard', change: 'blocker_action' };
    listener(change); // the record id is not set yet
    recordId = '006A';
    listener({ ...change, source: 'securityPacketStatus' }); // its own
    listener({ ...change, recordId: '006B' }); // another record
    listener(undefined);
    expect(onChange).not.toHaveBeenCalled();
    listener(change);
    expect(onChange).toHaveBeenCalledWith(change);
  });

  it('ends a subscription, and does nothing without one', () => {
    subscribe.mockReturnValueOnce({ id: 1 });
    const subscription = listenForChanges(CONTEXT, () => '006A', 'hallucinationGate', jest.fn());
    stopListening(subscription);
    stopListening(undefined);
    expect(unsubscribe.mock.calls).toEqual([[{ id: 1 }]]);
  });
});
