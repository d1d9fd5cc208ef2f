/**
 * @description An exp-005 expansion trigger created (gtm usage sync) is the funnel event Expansion Trigger Fired
 * (GtmFunnelEventPublisher).
 */
trigger GtmExpansionTriggerTrigger on Expansion_Trigger__c(after insert) {
  GtmFunnelEventPublisher.expansionTriggersFired(Trigger.new);
}
