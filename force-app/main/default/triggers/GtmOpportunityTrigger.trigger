/**
 * @description Opportunity stage gates and the pilot template; the logic is in GtmOpportunityTriggerHandler.
 */
trigger GtmOpportunityTrigger on Opportunity(before insert, before update, after insert, after update) {
  new GtmOpportunityTriggerHandler().run();
}
