/**
 * A pool's business hours in the local store. The org keeps them in BusinessHours records, named by
 * Routing_Pool_Member__c.Business_Hours_Name__c; the local store has no such table, so the schedules the local
 * routing knows are listed here by the same name. A pool without a name gets what the org's default business hours
 * are out of the box (24 hours, 7 days, in UTC here); a name that is not listed is refused, naming the member.
 */
import { InputError } from '../lib/errors';
import { localDate, localInstant, type BusinessHoursSchedule } from '../rules/businessHours';
import { addDays } from '../rules/ruleSupport';
import { isoSeconds } from '../rules/routingRule';

const WEEKDAY = { start: '09:00', end: '17:00' };
const ALL_DAY = { start: '00:00', end: '00:00' };

/** The schedules known locally, by BusinessHours name. */
export const LOCAL_BUSINESS_HOURS: Record<string, BusinessHoursSchedule> = {
  /** the workbench sample's pool: weekdays 09:00-17:00 in New York, Good Friday 2026 off */
  'PQA New York': {
    name: 'PQA New York',
    timeZone: 'America/New_York',
    days: {
      sunday: null,
      monday: WEEKDAY,
      tuesday: WEEKDAY,
      wednesday: WEEKDAY,
      thursday: WEEKDAY,
      friday: WEEKDAY,
      saturday: null
    },
    holidays: ['2026-04-03']
  }
};

/** The org's default business hours as created with the org: every day, all day. */
export const DEFAULT_POOL_HOURS: BusinessHoursSchedule = {
  name: 'Default',
  timeZone: 'UTC',
  days: {
    sunday: ALL_DAY,
    monday: ALL_DAY,
    tuesday: ALL_DAY,
    wednesday: ALL_DAY,
    thursday: ALL_DAY,
    friday: ALL_DAY,
    saturday: ALL_DAY
  },
  holidays: []
};

/** The schedule a pool member names (null: the default); `where` names the record for the error. */
export function poolHoursNamed(name: string | null, where: string): BusinessHoursSchedule {
  if (name === null) return DEFAULT_POOL_HOURS;
  const found = LOCAL_BUSINESS_HOURS[name];
  if (!found)
    throw new InputError(
      `${where}: Business_Hours_Name__c ${JSON.stringify(name)} is not a business-hours schedule the local store knows (${Object.keys(LOCAL_BUSINESS_HOURS).join(', ')}); leave it empty for the default`
    );
  return found;
}

/**
 * Monday 00:00 of the instant's week in a time zone, as a UTC instant: the weekly cap's week (the Apex twin is
 * GtmRoutingService.weekStartOf). The offset is the Monday's, not the instant's: daylight saving may change between.
 */
export function weekStartOf(instant: string, timeZone: string): string {
  const day = localDate(Date.parse(instant), timeZone);
  const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
  return isoSeconds(localInstant(addDays(day, -weekday), 0, timeZone));
}
