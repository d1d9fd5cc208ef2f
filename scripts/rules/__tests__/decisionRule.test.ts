/** The sign-off rule against the shared vectors (the same file GtmDecisionRuleTest reads in the org). */
import { DECISION_MESSAGES, decisionProblems, type DecisionCode, type DecisionInput } from '../decisionRule';
import { readVectorFile, staticResourceVectorsPath } from '../vectors';

const file = readVectorFile<{ decision: { name: string; input: DecisionInput; expected: DecisionCode[] }[] }>(
  staticResourceVectorsPath('GtmDecisionVectors')
);

describe('decision sign-off rule (GtmDecisionVectors)', () => {
  it('has a vector for every problem code', () => {
    const seen = new Set(file.decision.flatMap((v) => v.expected));
    expect([...seen].sort()).toEqual(Object.keys(DECISION_MESSAGES).sort());
  });

  it.each(file.decision.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    expect(decisionProblems(v.input)).toEqual(v.expected);
  });
});
