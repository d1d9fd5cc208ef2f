/**
 * @description The security review lifecycle on direct edits, and its funnel events after the save; the logic is in
 * GtmSecurityPacketTriggerHandler.
 */
trigger GtmSecurityPacketTrigger on Security_Packet__c(before insert, before update, after insert, after update) {
  new GtmSecurityPacketTriggerHandler().run();
}
