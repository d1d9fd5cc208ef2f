import { isoWeekLabel, isWeekComplete, weekIndexOf, weekIndexOfLabel, weekStartDate, weekStartMs } from '../isoWeek';

const at = (iso: string) => Date.parse(iso);

describe('ISO weeks (UTC)', () => {
  it.each([
    ['2026-03-02T00:00:00Z', '2026-W10', '2026-03-02'],
    ['2026-03-08T23:59:59.999Z', '2026-W10', '2026-03-02'],
    ['2026-12-31T12:00:00Z', '2026-W53', '2026-12-28'],
    ['2027-01-03T23:59:59Z', '2026-W53', '2026-12-28'],
    ['2027-01-04T00:00:00Z', '2027-W01', '2027-01-04'],
    ['2024-12-30T00:00:00Z', '2025-W01', '2024-12-30'],
    ['2021-01-03T00:00:00Z', '2020-W53', '2020-12-28'],
    ['1970-01-01T00:00:00Z', '1970-W01', '1969-12-29']
  ])('%s is in %s starting %s', (instant, label, monday) => {
    const w = weekIndexOf(at(instant));
    expect(isoWeekLabel(w)).toBe(label);
    expect(weekStartDate(w)).toBe(monday);
    expect(weekIndexOfLabel(label)).toBe(w);
  });

  it('the week after 2026-W53 is 2027-W01', () => {
    expect(isoWeekLabel(weekIndexOfLabel('2026-W53')! + 1)).toBe('2027-W01');
  });

  it('rejects labels that name no week', () => {
    expect(weekIndexOfLabel('2025-W53')).toBeUndefined();
    expect(weekIndexOfLabel('2026-W00')).toBeUndefined();
    expect(weekIndexOfLabel('2026-10')).toBeUndefined();
  });

  it('a week is complete from the next Monday 00:00 UTC on', () => {
    const w = weekIndexOfLabel('2026-W10')!;
    expect(isWeekComplete(w, weekStartMs(w + 1) - 1)).toBe(false);
    expect(isWeekComplete(w, weekStartMs(w + 1))).toBe(true);
  });
});
