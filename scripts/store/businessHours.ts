/**
 * Business hours in the local store. The org keeps them in BusinessHours records, named by a record's
 * Business_Hours_Name__c (a routing pool member's, an onboarding plan's); the local store has no such table, so the
 * schedules the local code knows are listed here by the same names, and one lookup serves every record.
 *
 * The rule: a blank name (null, empty or only spaces, as Salesforce stores a blank text field as null) is the org's
 * default business hours as created with the org (24 hours, 7 days; UTC here); a name that is not listed is refused,
 * naming the record.
 */
import { InputError } from '../lib/errors';
import type { BusinessHoursSchedule } from '../rules/businessHours';

const WEEKDAY = { start: '09:00', end: '17:00' };
const ALL_DAY = { start: '00:00', end: '00:00' };
const WEEKDAYS_ONLY = {
  sunday: null,
  monday: WEEKDAY,
  tuesday: WEEKDAY,
  wednesday: WEEKDAY,
  thursday: WEEKDAY,
  friday: WEEKDAY,
  saturday: null
};

/** The schedules known locally, by BusinessHours name. */
export const LOCAL_BUSINESS_HOURS: Record<string, BusinessHoursSchedule> = {
  /** the sample world's onboarding team: weekdays in New York, US holidays of the program's months */
  'Onboarding New York': {
    name: 'Onboarding New York',
    timeZone: 'America/New_York',
    days: WEEKDAYS_ONLY,
    holidays: ['2026-05-25', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25', '2027-01-01']
  },
  /** the workbench sample's routing pool: weekdays 09:00-17:00 in New York, Good Friday 2026 off */
  'PQA New York': {
    name: 'PQA New York',
    timeZone: 'America/New_York',
    days: WEEKDAYS_ONLY,
    holidays: ['2026-04-03']
  }
};

/** The org's default business hours as created with the org: every day, all day. */
export const DEFAULT_BUSINESS_HOURS: BusinessHoursSchedule = {
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

/** The names a record may give locally. */
export const LOCAL_BUSINESS_HOURS_NAMES: readonly string[] = Object.keys(LOCAL_BUSINESS_HOURS);

/** The schedule a record names (blank: the default); `where` names the record for the error. */
export function businessHoursNamed(name: string | null | undefined, where: string): BusinessHoursSchedule {
  if (name === null || name === undefined || name.trim() === '') return DEFAULT_BUSINESS_HOURS;
  const found = LOCAL_BUSINESS_HOURS[name];
  if (!found)
    throw new InputError(
      `${where}: Business_Hours_Name__c ${JSON.stringify(name)} is not a business-hours schedule the local store knows (${LOCAL_BUSINESS_HOURS_NAMES.join(', ')}); leave it empty for the default`
    );
  return found;
}
