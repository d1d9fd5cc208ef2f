/** What a header without the required columns is told: a file separated by tabs or semicolons is named as such. */
import { headerProblem, indexColumns } from '../rowRules';

const problemOf = (header: string[]) => headerProblem(header, indexColumns(header));

describe('headerProblem', () => {
  it('a tab-separated header (Excel "Unicode Text") says so and how to fix it', () => {
    const p = problemOf(['ticket_id\taccount_id\tcreated_at\tresolved_at\tresolution']);
    expect(p.message).toBe('missing columns ticket_id, account_id, created_at, resolved_at, resolution');
    expect(p.details).toContainEqual(expect.stringMatching(/^the columns look separated by tabs, not commas/));
  });

  it('a semicolon-separated header says semicolons', () => {
    const p = problemOf(['ticket_id;account_id;created_at;resolved_at;resolution']);
    expect(p.details).toContainEqual(expect.stringMatching(/^the columns look separated by semicolons, not commas/));
  });

  it('a comma-separated header with a typo gets no separator hint', () => {
    const p = problemOf(['ticket_id', 'acount_id', 'created_at', 'resolved_at', 'resolution']);
    expect(p.message).toBe('missing column account_id');
    expect(p.details.join('\n')).not.toMatch(/separated by/);
    // before: only "missing column account_id", with the typo left for the reader to find
    expect(p.details).toContain('column 2 "acount_id" looks like account_id: a typo?');
  });

  it('a file whose lines end in CR alone gets the CR hint, not a typo hint about half the file', () => {
    const p = problemOf(['ticket_id', 'account_id', 'created_at', 'resolved_at', 'resolution\rT1']);
    expect(p.details.join('\n')).toMatch(/carriage return alone/);
    expect(p.details.join('\n')).not.toMatch(/a typo\?/);
  });

  it('a column far from every missing one is not called a typo', () => {
    const p = problemOf(['ticket_id', 'customer', 'created_at', 'resolved_at', 'resolution']);
    expect(p.message).toBe('missing column account_id');
    expect(p.details.join('\n')).not.toMatch(/a typo\?/);
  });
});
