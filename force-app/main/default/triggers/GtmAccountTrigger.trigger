/**
 * @description An account's Churned_On__c set is the funnel event Logo Churned (GtmFunnelEventPublisher), which the
 * Logo_Churn_90 KPI counts.
 */
trigger GtmAccountTrigger on Account(after insert, after update) {
  GtmFunnelEventPublisher.logosChurned(Trigger.new, Trigger.oldMap);
}
