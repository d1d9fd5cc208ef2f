/**
 * A pool's business hours in the local store (named by Routing_Pool_Member__c.Business_Hours_Name__c, looked up in
 * store/businessHours.ts as every record's are) and the weekly cap's week in the pool's time zone.
 */
import { localDate, localInstant } from '../rules/businessHours';
import { addDays } from '../rules/ruleSupport';
import { isoSeconds } from '../rules/routingRule';

// one lookup for every record that names business hours (a blank name is the default, for plans and pools alike)
export {
  businessHoursNamed as poolHoursNamed,
  DEFAULT_BUSINESS_HOURS as DEFAULT_POOL_HOURS,
  LOCAL_BUSINESS_HOURS
} from '../store/businessHours';

/**
 * Monday 00:00 of the instant's week in a time zone, as a UTC instant: the weekly cap's week (the Apex twin is
 * GtmRoutingService.weekStartOf). The offset is the Monday's, not the instant's: daylight saving may change between.
 */
export function weekStartOf(instant: string, timeZone: string): string {
  const day = localDate(Date.parse(instant), timeZone);
  const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
  return isoSeconds(localInstant(addDays(day, -weekday), 0, timeZone));
}
