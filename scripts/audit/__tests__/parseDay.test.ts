/** The audit commands' --as-of day: a refusal says what is wrong with the value it was given. */
import { parseDay } from '../../commands/audit';
import { UsageError } from '../../lib/errors';

describe('parseDay', () => {
  it('takes a calendar day as written', () => {
    expect(parseDay('2026-06-15', '--as-of')).toBe('2026-06-15');
    expect(parseDay('2028-02-29', '--as-of')).toBe('2028-02-29');
  });

  it('a day written YYYY-MM-DD that the calendar does not have is named as such, not as a wrong form', () => {
    expect(() => parseDay('2026-02-30', '--as-of')).toThrow(
      new UsageError('--as-of 2026-02-30: there is no such day in the calendar')
    );
    expect(() => parseDay('2026-13-01', '--as-of')).toThrow('--as-of 2026-13-01: there is no such day in the calendar');
  });

  it('another form is told the form it needs', () => {
    expect(() => parseDay('15/06/2026', '--as-of')).toThrow('--as-of 15/06/2026: expected a date written YYYY-MM-DD');
    expect(() => parseDay('2026-06-15T10:00:00Z', '--as-of')).toThrow(UsageError);
  });
});
