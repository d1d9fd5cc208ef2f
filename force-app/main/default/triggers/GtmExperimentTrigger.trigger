/**
 * @description Locked experiment protocols: changes need a reason and are logged; the logic is in
 * GtmExperimentProtocolHandler.
 */
trigger GtmExperimentTrigger on GTM_Experiment__c(before update) {
  new GtmExperimentProtocolHandler().run();
}
