/**
 * One lookup of business hours by name for every record that names them (routing pool members, onboarding plans):
 * a blank name is the org default, a known name its schedule, an unknown one refused naming the record.
 */
import { InputError } from '../../lib/errors';
import { poolHoursNamed } from '../../routing/poolHours';
import { businessHoursNamed, DEFAULT_BUSINESS_HOURS, LOCAL_BUSINESS_HOURS } from '../businessHours';

describe('business hours by name', () => {
  it.each([[null], [undefined], [''], ['   ']])(
    'a blank name (%p) is the default, for a pool as for a plan',
    (name) => {
      expect(businessHoursNamed(name, 'plan onb:x')).toBe(DEFAULT_BUSINESS_HOURS);
      // the pool's lookup refused an empty name that the plan's took as the default
      expect(poolHoursNamed(name, 'member m1')).toBe(DEFAULT_BUSINESS_HOURS);
      expect(DEFAULT_BUSINESS_HOURS.timeZone).toBe('UTC');
    }
  );

  it("a pool may name the onboarding team's hours and a plan the pool's: one list", () => {
    expect(poolHoursNamed('Onboarding New York', 'member m1')).toBe(LOCAL_BUSINESS_HOURS['Onboarding New York']);
    expect(businessHoursNamed('PQA New York', 'plan onb:x').holidays).toEqual(['2026-04-03']);
  });

  it('an unknown name is refused naming the record and the names known', () => {
    const call = () => businessHoursNamed('Sydney Support', 'plan onb:x');
    expect(call).toThrow(InputError);
    expect(call).toThrow(
      'plan onb:x: Business_Hours_Name__c "Sydney Support" is not a business-hours schedule the local store knows (Onboarding New York, PQA New York); leave it empty for the default'
    );
  });
});
