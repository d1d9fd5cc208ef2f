/**
 * @description An audit stored whole (gtm audit ingest writes its file's hash last) is the funnel event Hallucination
 * Audit Completed (GtmFunnelEventPublisher).
 */
trigger GtmHallucinationAuditTrigger on Hallucination_Audit__c(after insert, after update) {
  GtmFunnelEventPublisher.auditsCompleted(Trigger.new, Trigger.oldMap);
}
