/**
 * What a pilot criterion's target, actual and weight may hold (issue 13, defect 2): the criterionValue vectors the
 * Apex twin (GtmScorecardRule.valueProblem, tested in GtmPilotScorecardControllerTest) is held to as well.
 */
import { loadSchema } from '../../metadata/schema';
import { criterionValueLimits, criterionValueProblem, type CriterionValueField } from '../scorecardRule';
import { loadRuleVectors } from '../vectors';

interface ValueInput {
  field: CriterionValueField;
  unit: string | null;
  value: string | null;
  precision: number;
  scale: number;
}
interface ValueExpected {
  problem: string | null;
  min: string;
  max: string;
}

const vectors = loadRuleVectors().criterionValue;

describe('criterion value limits', () => {
  it('has cases for every unit kind and field', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(8);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const input = vector.input as ValueInput;
    const expected = vector.expected as ValueExpected;
    const value = input.value === null ? null : Number(input.value);
    expect(criterionValueProblem(input.field, value, input.unit, input.precision, input.scale)).toBe(expected.problem);
    const limits = criterionValueLimits(input.field, input.unit, input.precision, input.scale);
    expect([limits.min, limits.max]).toEqual([expected.min, expected.max]);
  });

  it('the vectors use the precision and scale force-app gives the fields', () => {
    const schema = loadSchema();
    for (const v of vectors) {
      const input = v.input as ValueInput;
      const field = schema.field('Pilot_Criterion__c', input.field);
      expect([input.precision, input.scale]).toEqual([field.precision, field.scale]);
    }
  });

  it('a value that is not a number is a problem in words', () => {
    expect(criterionValueProblem('Actual_Value__c', Number.NaN, 'ratio', 16, 4)).toBe('Actual value must be a number');
    expect(criterionValueProblem('Target_Value__c', Infinity, null, 16, 4)).toBe('Target must be a number');
  });
});
