import {
  addBusinessTime,
  businessTimeBetween,
  isWithinBusinessHours,
  localInstant,
  type BusinessHoursSchedule
} from '../businessHours';
import { loadRoutingVectors } from '../routingVectors';
import { policyFromValues } from '../ruleSupport';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';
import { loadSchema } from '../../metadata/schema';
import {
  judgeSla,
  OPEN_SLA_STATUSES,
  SLA_STATUSES,
  slaClock,
  type SlaClock,
  type SlaJudgement,
  type SlaState
} from '../slaRule';
import type { RuleVector } from '../vectors';

const vectors = loadRoutingVectors();
const named = (cases: RuleVector[]) => cases.map((c) => [c.name, c] as const);
const HOUR = 3_600_000;
const ms = (iso: string) => Date.parse(iso);

interface ClockInput {
  schedule: BusinessHoursSchedule;
  routedAt: string;
}

describe('GtmRoutingVectors.json SLA', () => {
  it('crosses a weekend and a holiday in two time zones', () => {
    const names = vectors.slaClock.map((c) => c.name);
    expect(names.some((n) => n.startsWith('weekend'))).toBe(true);
    expect(names.some((n) => n.startsWith('holiday'))).toBe(true);
    const zones = new Set(vectors.slaClock.map((c) => (c.input as ClockInput).schedule.timeZone));
    expect(zones.size).toBeGreaterThanOrEqual(2);
  });

  it('moves through every state', () => {
    const reached = new Set(vectors.slaState.map((c) => (c.expected as SlaJudgement).status));
    for (const s of ['Pending', 'Warning', 'Breached', 'Met', 'Reassigned', 'Excluded']) expect(reached).toContain(s);
  });
});

describe('SLA clock in business hours', () => {
  it.each(named(vectors.slaClock))('%s', (_name, c) => {
    const input = c.input as ClockInput;
    const clock = slaClock(input.schedule, input.routedAt, policyFromValues(c.policy));
    expect(clock).toEqual(c.expected);
    // the property the Apex test holds for any org's business hours: the due time is exactly 4 open hours away
    const open = (to: keyof SlaClock) => businessTimeBetween(input.schedule, ms(input.routedAt), ms(clock[to]));
    expect(open('dueAt')).toBe(4 * HOUR);
    expect(open('warningAt')).toBe(3 * HOUR);
    expect(open('reassignAt')).toBe(8 * HOUR);
  });
});

describe('SLA states', () => {
  it.each(named(vectors.slaState))('%s', (_name, c) => {
    const { state, now } = c.input as { state: SlaState; now: string };
    expect(judgeSla(state, now)).toEqual(c.expected);
  });

  it('a second sweep at the same time records nothing twice', () => {
    const c = vectors.slaState.find((v) => v.name.startsWith('Reassigned: one sweep'))!;
    const { state, now } = c.input as { state: SlaState; now: string };
    const first = judgeSla(state, now);
    expect(judgeSla({ ...state, status: first.status }, now)).toEqual({ status: 'Reassigned', transitions: [] });
  });

  it('refuses an unknown status by name', () => {
    const { state } = vectors.slaState[0]!.input as { state: SlaState };
    expect(() => judgeSla({ ...state, status: 'Late' as SlaState['status'] }, '2026-11-23T15:00:00Z')).toThrow(
      'SLA status Late is not one of Pending, Warning, Breached, Met, Reassigned, Escalated, Excluded'
    );
  });
});

describe('business hours', () => {
  const day = { start: '09:00', end: '17:00' };
  const ny: BusinessHoursSchedule = {
    name: 'NY',
    timeZone: 'America/New_York',
    days: { sunday: null, monday: day, tuesday: day, wednesday: day, thursday: day, friday: day, saturday: null },
    holidays: ['2026-11-26']
  };

  it('knows what is inside: opening is in, closing is out, a holiday is out', () => {
    expect(isWithinBusinessHours(ny, ms('2026-11-23T14:00:00Z'))).toBe(true); // Mon 09:00 EST
    expect(isWithinBusinessHours(ny, ms('2026-11-23T22:00:00Z'))).toBe(false); // Mon 17:00 EST
    expect(isWithinBusinessHours(ny, ms('2026-11-26T15:00:00Z'))).toBe(false); // Thanksgiving 10:00
    expect(isWithinBusinessHours(ny, ms('2026-11-21T15:00:00Z'))).toBe(false); // Saturday
  });

  it('counts open time across a week, a holiday and a daylight-saving change', () => {
    // Mon Oct 26 09:00 EDT to Mon Nov 30 09:00 EST: 5 weeks of 5 days less Thanksgiving = 24 days of 8 hours
    expect(businessTimeBetween(ny, ms('2026-10-26T13:00:00Z'), ms('2026-11-30T14:00:00Z'))).toBe(24 * 8 * HOUR);
    expect(businessTimeBetween(ny, ms('2026-11-30T14:00:00Z'), ms('2026-10-26T13:00:00Z'))).toBe(-24 * 8 * HOUR);
  });

  it('is open all day for 00:00 to 00:00, like a 24-hour BusinessHours day', () => {
    const allDay = { start: '00:00', end: '00:00' };
    const always: BusinessHoursSchedule = {
      ...ny,
      days: {
        sunday: allDay,
        monday: allDay,
        tuesday: allDay,
        wednesday: allDay,
        thursday: allDay,
        friday: allDay,
        saturday: allDay
      },
      holidays: []
    };
    expect(addBusinessTime(always, ms('2026-11-21T15:00:00Z'), 30 * HOUR)).toBe(ms('2026-11-22T21:00:00Z'));
  });

  it('reads wall clocks in the schedule time zone on both sides of a change', () => {
    expect(localInstant('2026-11-02', 9 * 60, 'America/New_York')).toBe(ms('2026-11-02T14:00:00Z'));
    expect(localInstant('2026-10-30', 9 * 60, 'America/New_York')).toBe(ms('2026-10-30T13:00:00Z'));
  });

  it('names what is wrong in a schedule', () => {
    expect(() => addBusinessTime({ ...ny, timeZone: 'Mars/Olympus' }, 0, HOUR)).toThrow(
      'business hours time zone Mars/Olympus is not an IANA time zone'
    );
    expect(() =>
      addBusinessTime(
        { ...ny, days: { ...ny.days, monday: { start: '9am', end: '17:00' } } },
        ms('2026-11-23T00:00:00Z'),
        HOUR
      )
    ).toThrow('business hours NY monday start is not an HH:MM time: 9am');
    const closed: BusinessHoursSchedule = {
      ...ny,
      days: { ...ny.days, monday: null, tuesday: null, wednesday: null, thursday: null, friday: null }
    };
    expect(() => addBusinessTime(closed, 0, HOUR)).toThrow('business hours NY has no open time within 800 days');
  });
});

describe('one list of SLA statuses', () => {
  it("is the SLA_Status__c picklist, and the open ones are the Apex rule's OPEN_STATUSES", () => {
    expect(loadSchema().field('Routing_Assignment__c', 'SLA_Status__c').picklistValues).toEqual([...SLA_STATUSES]);
    const apex = fs.readFileSync(
      path.join(REPO_ROOT, 'force-app', 'main', 'default', 'classes', 'rules', 'GtmSlaRule.cls'),
      'utf8'
    );
    const open = /OPEN_STATUSES = new Set<String>\{([^}]*)\}/
      .exec(apex)![1]!
      .split(',')
      .map((s) => s.trim());
    const constants = new Map([...apex.matchAll(/static final String (\w+) = '(\w+)'/g)].map((m) => [m[1], m[2]]));
    expect(open.map((c) => constants.get(c))).toEqual([...OPEN_SLA_STATUSES]);
    expect(OPEN_SLA_STATUSES).toEqual(['Pending', 'Warning', 'Breached']);
  });
});
