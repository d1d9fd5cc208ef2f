/**
 * exp-001's shared test vectors (staticresources/GtmRoutingVectors.json): read by jest here and by GtmRoutingRuleTest
 * in Apex, so both twins of the pool pick and the SLA transitions are held to one set of expectations.
 */
import { readVectorFile, RuleVector, staticResourceVectorsPath } from './vectors';

export interface RoutingVectorFile {
  /** input: RoutingInput; expected: RoutingResult */
  routing: RuleVector[];
  /** input: { schedule: BusinessHoursSchedule, routedAt }; expected: SlaClock */
  slaClock: RuleVector[];
  /** input: { state: SlaState, now }; expected: SlaJudgement */
  slaState: RuleVector[];
  /** input: { rules: RoutingRuleRecord[], account: RuleAccount }; expected: { rule, reason } */
  ruleSelection: RuleVector[];
  /** input: { rule: RoutingRuleRecord, people }; expected: PrecedenceCandidate[] */
  precedence: RuleVector[];
  /** input: WorkflowInput; expected: WorkflowJudgement (scripts/rules/workflowRule.ts) */
  workflow: RuleVector[];
}

export function routingVectorsPath(projectDir?: string): string {
  return staticResourceVectorsPath('GtmRoutingVectors', projectDir);
}

export function loadRoutingVectors(file: string = routingVectorsPath()): RoutingVectorFile {
  return readVectorFile<RoutingVectorFile>(file);
}
