/**
 * The onboarding plan rule's shared test vectors (staticresources/GtmOnboardingVectors.json): read by jest here and
 * by GtmOnboardingRuleTest in Apex, so both twins are held to one set of expectations.
 */
import { readVectorFile, RuleVector, staticResourceVectorsPath } from './vectors';

export interface OnboardingVectorFile {
  /** input: { schedule, from, offset }; expected: { dueAt } */
  businessDayEnd: RuleVector[];
  /** input: { startAt, schedule, steps, action | null, now }; expected: { steps, forecastEnd, criticalPath } or { error } */
  evaluate: RuleVector[];
  /** input: { schedule, startAt, forecastEnd, now, activated }; expected: RiskJudgement */
  risk: RuleVector[];
  /** input: { schedule, steps, now }; expected: StepAlert[] */
  alerts: RuleVector[];
  /** input: { schedule, baselineEnd, forecastEnd }; expected: { slipDays } */
  slip: RuleVector[];
}

export function onboardingVectorsPath(projectDir?: string): string {
  return staticResourceVectorsPath('GtmOnboardingVectors', projectDir);
}

export function loadOnboardingVectors(file: string = onboardingVectorsPath()): OnboardingVectorFile {
  return readVectorFile<OnboardingVectorFile>(file);
}
