import { errorMessages, errorText } from 'c/gtmErrors';

describe('c/gtmErrors', () => {
  it('reads an AuraHandledException body', () => {
    expect(errorMessages({ body: { message: 'The criterion was not found.' } })).toEqual([
      'The criterion was not found.'
    ]);
  });

  it('reads DML page and field errors, without repeats', () => {
    const error = {
      body: {
        pageErrors: [{ message: 'Stage blocked: scorecard score 0.5 is below 0.80' }],
        fieldErrors: { StageName: [{ message: 'Stage blocked: scorecard score 0.5 is below 0.80' }] }
      }
    };
    expect(errorMessages(error)).toEqual(['Stage blocked: scorecard score 0.5 is below 0.80']);
  });

  it('reads lists, plain errors and strings', () => {
    expect(errorText([{ body: [{ message: 'a' }, { message: 'b' }] }, new Error('c'), 'd'])).toBe('a b c d');
  });

  it('never returns nothing', () => {
    expect(errorMessages(undefined)[0]).toMatch(/no reason was given/);
  });
});
