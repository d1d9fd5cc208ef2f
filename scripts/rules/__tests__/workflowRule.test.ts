import { loadRoutingVectors } from '../routingVectors';
import { policyFromValues } from '../ruleSupport';
import { judgeWorkflow, type WorkflowInput, type WorkflowJudgement } from '../workflowRule';

// the same vectors GtmRoutingRuleTest.workflowMatchesTheSharedVectors holds the Apex twin to
const vectors = loadRoutingVectors();

describe('GtmRoutingVectors.json workflow (reliability judged at routing)', () => {
  it('covers OK, late, escalation, a Task error and the unjudged arms', () => {
    const failures = vectors.workflow.map((c) => (c.expected as WorkflowJudgement).failure ?? '');
    expect(failures.some((f) => f.startsWith('escalated to the fallback queue'))).toBe(true);
    expect(failures.some((f) => f.includes('over the 5-minute limit'))).toBe(true);
    expect(failures.some((f) => f.startsWith('owner Task not created: '))).toBe(true);
    const results = new Set(vectors.workflow.map((c) => (c.expected as WorkflowJudgement).result));
    expect(results).toEqual(new Set(['OK', 'Failed', null]));
  });

  it.each(vectors.workflow.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(judgeWorkflow(c.input as WorkflowInput, policyFromValues(c.policy))).toEqual(c.expected);
  });

  it('refuses a Task time that is not an instant, naming it', () => {
    const input = vectors.workflow[0]!.input as WorkflowInput;
    expect(() =>
      judgeWorkflow({ ...input, ownerTaskAt: 'soon' }, policyFromValues({ Exp001_Reliability_Minutes: '5' }))
    ).toThrow('ownerTaskAt');
  });
});
