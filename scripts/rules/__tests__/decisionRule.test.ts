/** The sign-off rule against the shared vectors (the same file GtmDecisionRuleTest reads in the org). */
import {
  DECISION_MESSAGES,
  decisionMessage,
  decisionProblems,
  type DecisionCode,
  type DecisionInput,
  OVERRIDE_INCOMPLETE_MESSAGE as OVERRIDE_INCOMPLETE
} from '../decisionRule';
import { readVectorFile, staticResourceVectorsPath } from '../vectors';

const file = readVectorFile<{
  decision: { name: string; input: DecisionInput; expected: DecisionCode[]; message?: string }[];
}>(staticResourceVectorsPath('GtmDecisionVectors'));

describe('decision sign-off rule (GtmDecisionVectors)', () => {
  it('has a vector for every problem code', () => {
    const seen = new Set(file.decision.flatMap((v) => v.expected));
    expect([...seen].sort()).toEqual(Object.keys(DECISION_MESSAGES).sort());
  });

  it.each(file.decision.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    expect(decisionProblems(v.input)).toEqual(v.expected);
    // the words a person reads, where the vector gives them (GtmDecisionRuleTest holds the Apex twin to the same)
    if (v.message !== undefined) expect(decisionMessage(v.expected)).toBe(v.message);
  });

  it('an override missing both its reason and its second approver reads as one sentence', () => {
    const message = decisionMessage(['decider_missing', 'override_reason_missing', 'second_approver_missing']);
    expect(message).toBe(`${DECISION_MESSAGES.decider_missing} ${OVERRIDE_INCOMPLETE}`);
    expect(message.match(/differs from the recommendation/g)).toHaveLength(1);
  });
});
