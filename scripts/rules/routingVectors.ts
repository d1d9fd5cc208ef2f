/**
 * exp-001's shared test vectors (staticresources/GtmRoutingVectors.json): read by jest here and by GtmRoutingRuleTest
 * in Apex, so both twins of the pool pick and the SLA transitions are held to one set of expectations.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../lib/paths';
import type { RuleVector } from './vectors';

export interface RoutingVectorFile {
  /** input: RoutingInput; expected: RoutingResult */
  routing: RuleVector[];
  /** input: { schedule: BusinessHoursSchedule, routedAt }; expected: SlaClock */
  slaClock: RuleVector[];
  /** input: { state: SlaState, now }; expected: SlaJudgement */
  slaState: RuleVector[];
}

export function routingVectorsPath(projectDir?: string): string {
  return path.join(projectPaths(projectDir).metadata, 'staticresources', 'GtmRoutingVectors.json');
}

export function loadRoutingVectors(file: string = routingVectorsPath()): RoutingVectorFile {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RoutingVectorFile;
}
