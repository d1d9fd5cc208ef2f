/**
 * @description A human verdict changed on an audit item (the panel, gtm audit review through the API, or any API
 * edit) recounts its audit and the deal's gate; the logic is in GtmHallucinationAuditItemHandler.
 */
trigger GtmHallucinationAuditItemTrigger on Hallucination_Audit_Item__c(after update) {
  GtmHallucinationAuditItemHandler.afterUpdate(Trigger.new, Trigger.oldMap);
}
