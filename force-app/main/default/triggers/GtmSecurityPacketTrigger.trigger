/**
 * @description The security review lifecycle on direct edits; the logic is in GtmSecurityPacketTriggerHandler.
 */
trigger GtmSecurityPacketTrigger on Security_Packet__c(before insert, before update) {
  new GtmSecurityPacketTriggerHandler().run();
}
