import { countOf, formatCount, formatDate, formatPercent, plural } from 'c/gtmFormat';

describe('c/gtmFormat', () => {
  it('formats a YYYY-MM-DD date as that calendar day, whatever the time zone', () => {
    expect(formatDate('2026-11-23')).toMatch(/23/);
    expect(formatDate('2026-11-23')).toMatch(/2026/);
    expect(formatDate('not a date')).toBe('not a date');
    expect(formatDate(null)).toBe('');
  });

  it('cuts a ratio to one decimal instead of rounding it up to a threshold', () => {
    expect(formatPercent(0.7999)).toBe('79.9%');
    expect(formatPercent(0.8)).toBe('80%');
    expect(formatPercent(0.57)).toBe('57%');
    expect(formatPercent(1)).toBe('100%');
  });

  it('shows the given placeholder for a missing ratio', () => {
    expect(formatPercent(null)).toBe('');
    expect(formatPercent(undefined, '—')).toBe('—');
    expect(formatPercent('', '—')).toBe('—');
    expect(formatPercent(Number.NaN, '—')).toBe('—');
  });

  it('pluralizes', () => {
    expect(plural(1, 'day', 'days')).toBe('1 day');
    expect(plural(0, 'day', 'days')).toBe('0 days');
  });

  it('formats whole counts in the locale, with their unit', () => {
    const grouped = new Intl.NumberFormat(undefined).format(1234);
    expect(formatCount(1234)).toBe(grouped);
    expect(formatCount(12.9)).toBe('12');
    expect(formatCount(null)).toBe('');
    expect(countOf(1, 'day', 'days')).toBe('1 day');
    expect(countOf(1234, 'day', 'days')).toBe(`${grouped} days`);
  });
});
