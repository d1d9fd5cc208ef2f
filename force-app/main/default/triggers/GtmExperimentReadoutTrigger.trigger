/**
 * @description Sign-off of readout decisions and the immutability of published readouts; the logic is in
 * GtmReadoutDecisionHandler.
 */
trigger GtmExperimentReadoutTrigger on GTM_Experiment_Readout__c(
  before insert,
  before update,
  after insert,
  after update
) {
  new GtmReadoutDecisionHandler().run();
}
