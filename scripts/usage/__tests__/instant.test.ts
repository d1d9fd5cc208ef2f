import { nsToMs, parseInstant, whyNotInstant } from '../instant';
import { checkRow, indexColumns } from '../rowRules';

const ms = (s: string) => {
  const ns = parseInstant(s);
  return ns === undefined ? undefined : nsToMs(ns);
};

describe('parseInstant', () => {
  it.each([
    ['2026-03-02T10:00:00Z', '2026-03-02T10:00:00.000Z'],
    ['2026-03-02 10:00:00', '2026-03-02T10:00:00.000Z'],
    ['2026-03-02T10:00:00', '2026-03-02T10:00:00.000Z'],
    ['2026-03-02T10:00:00.5Z', '2026-03-02T10:00:00.500Z'],
    ['2026-03-02T12:30:00+02:30', '2026-03-02T10:00:00.000Z'],
    ['2026-03-01T23:30:00-01:00', '2026-03-02T00:30:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z']
  ])('%s is %s', (text, iso) => {
    expect(new Date(ms(text)!).toISOString()).toBe(iso);
  });

  it.each([
    '',
    '2026-03-02',
    '2026-03-02T10:00Z',
    '2026-13-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-03-02T24:00:00Z',
    '2026-03-02T10:00:60Z',
    '2026-03-02T10:00:00+0200',
    '2026-03-02T10:00:00+02',
    '2026-03-02T10:00:00 UTC',
    '02/03/2026 10:00',
    ' 2026-03-02T10:00:00Z',
    '2026-03-02T10:00:00.1234567890Z'
  ])('%j is not a valid instant', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });

  it('keeps every fractional digit for exact ordering', () => {
    expect(parseInstant('2026-03-02T10:00:00.1234567Z')! < parseInstant('2026-03-02T10:00:00.1234568Z')!).toBe(true);
    expect(parseInstant('2026-03-02T10:00:00.5Z')).toBe(parseInstant('2026-03-02T10:00:00.500000000Z'));
  });

  it('floors nanoseconds to milliseconds before the epoch too', () => {
    expect(nsToMs(-1n)).toBe(-1);
    expect(nsToMs(1_999_999n)).toBe(1);
  });
});

// before: every refusal said "is not a valid ISO 8601 instant", although "+0530" and "t" are ISO 8601
describe('whyNotInstant names why an instant was refused', () => {
  it.each([
    // Salesforce's own form: the offset is named, with the colon it needs (and the accepted forms)
    [
      '2026-03-02T10:00:00.000+0000',
      /^has its offset without a colon \(\+0000\): write it \+00:00; accepted: .*\+HH:MM/
    ],
    ['2026-03-02T10:00:00+0530', /^has its offset without a colon \(\+0530\): write it \+05:30/],
    ['2026-03-02T10:00:00-0800', /write it -08:00/],
    [' 2026-03-02T10:00:00Z ', /^has spaces before or after it: not in an accepted form/],
    ['2026-03-02T10:00:00+05', /^is not in an accepted form/],
    ['2026-03-02t10:00:00z', /not in an accepted form/],
    ['2026-03-02', /not in an accepted form/],
    ['1500-03-02T10:00:00Z', /has the year 1500, outside 1678\.\.2261/],
    ['2026-02-30T10:00:00Z', /is not a real date and time/],
    ['2026-03-02T24:00:00Z', /is not a real date and time/]
  ])('%s', (text, why) => {
    expect(parseInstant(text)).toBeUndefined();
    expect(whyNotInstant(text)).toMatch(why);
  });

  it('is what a rejected row says', () => {
    const header = ['ticket_id', 'account_id', 'created_at', 'resolved_at', 'resolution'];
    const col = indexColumns(header).index!;
    expect(checkRow(['T1', 'A', '2026-03-02T10:00:00+0530', '', 'ai'], col)).toEqual({
      reason: `created_at "2026-03-02T10:00:00+0530" ${whyNotInstant('2026-03-02T10:00:00+0530')}`
    });
  });
});
