/**
 * @description exp-001: a completed call, email or meeting Task by the PQA's owner sets its SLA Met at once; the logic
 * is in GtmTouchService. Each such Task is also the funnel event Sales Touch Logged (GtmFunnelEventPublisher).
 */
trigger GtmTaskTrigger on Task(after insert, after update) {
  GtmTouchService.recordTouches(Trigger.new);
  GtmFunnelEventPublisher.touchesLogged(Trigger.new);
}
