/**
 * The hallucination gate's shared test vectors (staticresources/GtmHallucinationGateVectors.json): read by jest
 * here and by GtmHallucinationGateRuleTest in Apex, so both twins are held to one set of expectations.
 */
import { readVectorFile, RuleVector, staticResourceVectorsPath } from './vectors';

export interface HallucinationGateVectorFile {
  /** input: HallucinationGateInput; expected: HallucinationGateResult */
  gate: RuleVector[];
  /** input: { n }; expected: hallucinations the basis allows at n, or null */
  allowed: RuleVector[];
  /** input: { k, n }; expected: { low, high, upper } to 6 digits */
  wilson: RuleVector[];
  /** input: { counts: AuditCounts, cases: ReviewedCase[] }; expected: CountsAfterReview (human verdicts over the judge's) */
  review: RuleVector[];
  /** input: { k, n }; expected: the smallest n at which the rate k / n passes the policy's basis, or null */
  passingN: RuleVector[];
}

export function hallucinationGateVectorsPath(projectDir?: string): string {
  return staticResourceVectorsPath('GtmHallucinationGateVectors', projectDir);
}

export function loadHallucinationGateVectors(
  file: string = hallucinationGateVectorsPath()
): HallucinationGateVectorFile {
  return readVectorFile<HallucinationGateVectorFile>(file);
}
