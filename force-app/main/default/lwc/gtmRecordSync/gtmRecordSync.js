import { publish, subscribe, unsubscribe } from 'lightning/messageService';
import RECORD_CHANGED from '@salesforce/messageChannel/GtmRecordChanged__c';

/**
 * The Opportunity page's GTM panels each show a part of one deal, and a change made in one is a fact the others show
 * too (a review started is the packet panel's stage and the scorecard's blocker; a verdict is the gate panel's status
 * and the scorecard's gate). A panel that changed the record announces it on the GtmRecordChanged message channel
 * (Lightning Message Service); the others on the same record read their data again. A panel never reacts to its own
 * message: it already shows the view its change returned.
 *
 * Usage, in a panel with `@wire(MessageContext) messageContext`:
 *   connectedCallback: this.sync = listenForChanges(this.messageContext, () => this.recordId, 'pilotScorecard', fn)
 *   disconnectedCallback: stopListening(this.sync)
 *   after a change: announceChange(this.messageContext, this.recordId, 'pilotScorecard', 'criterion_saved')
 */

/**
 * Says that `source` changed record `recordId`.
 * @param {object} messageContext the panel's MessageContext
 * @param {string} recordId the record page's record
 * @param {string} source the panel's name
 * @param {string} change what changed (a code, see the channel's description)
 */
export function announceChange(messageContext, recordId, source, change) {
  if (!recordId) return;
  publish(messageContext, RECORD_CHANGED, { recordId, source, change });
}

/**
 * Asks the panel that shows `show` on record `recordId` to bring it into view (nothing changed: no `change`).
 * @param {object} messageContext the panel's MessageContext
 * @param {string} recordId the record page's record
 * @param {string} source the panel's name
 * @param {string} show the part to show (hallucination_failing_cases)
 */
export function askToShow(messageContext, recordId, source, show) {
  if (!recordId) return;
  publish(messageContext, RECORD_CHANGED, { recordId, source, show });
}

/**
 * Calls `onChange(message)` when another panel changed the same record.
 * @param {object} messageContext the panel's MessageContext
 * @param {() => string} recordIdOf the panel's record id now (read at each message: it is set after connect)
 * @param {string} source the panel's name (its own messages are skipped)
 * @param {(message: object) => void} onChange what to do
 * @returns {object} the subscription, for stopListening
 */
export function listenForChanges(messageContext, recordIdOf, source, onChange) {
  return subscribe(messageContext, RECORD_CHANGED, (message) => {
    if (!message || message.source === source) return;
    const recordId = recordIdOf();
    if (!recordId || message.recordId !== recordId) return;
    onChange(message);
  });
}

/** Ends a subscription from listenForChanges (nothing to do when there is none). */
export function stopListening(subscription) {
  if (subscription) unsubscribe(subscription);
}
