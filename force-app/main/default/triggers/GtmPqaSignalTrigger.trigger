/**
 * @description exp-001: a PQA signal is routed the moment it is stored (gtm pqa sync --target-org upserts them) and
 * published as the funnel event PQA Qualified; the logic is in GtmPqaSignalTriggerHandler.
 */
trigger GtmPqaSignalTrigger on PQA_Signal__c(after insert) {
  new GtmPqaSignalTriggerHandler().run();
}
