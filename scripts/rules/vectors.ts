/**
 * The shared test vectors (force-app/main/default/staticresources/GtmRuleVectors.json): the same file the Apex
 * tests read as a static resource, so both implementations are held to one set of expectations.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../lib/paths';

export interface RuleVector<I = unknown, E = unknown> {
  name: string;
  input: I;
  /** the policy keys the rule reads, as text values (like GTM_Policy__mdt.Value__c) */
  policy: Record<string, string>;
  /** YYYY-MM-DD: the day the rule judges on */
  today: string;
  expected: E;
}

export interface RuleVectorFile {
  scorecard: RuleVector[];
  collateral: RuleVector[];
  readiness: RuleVector[];
  /** input: { packet: PacketDates | null } */
  reviewCycle: RuleVector[];
  /** input: { weeks: WeekRecord[] } */
  streak: RuleVector[];
  /** input: StageGateInput (which deals an Opportunity stage gate judges) */
  stageGate: RuleVector[];
  /** input: { field, unit, value (decimal text or null), precision, scale }: what a criterion's number may hold */
  criterionValue: RuleVector[];
}

/** A vectors file among the static resources, which the Apex tests read under the same name. */
export function staticResourceVectorsPath(resource: string, projectDir?: string): string {
  return path.join(projectPaths(projectDir).metadata, 'staticresources', `${resource}.json`);
}

/** Reads a vectors file (the shape is the caller's: each rule family declares its own). */
export function readVectorFile<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export function ruleVectorsPath(projectDir?: string): string {
  return staticResourceVectorsPath('GtmRuleVectors', projectDir);
}

export function loadRuleVectors(file: string = ruleVectorsPath()): RuleVectorFile {
  return readVectorFile<RuleVectorFile>(file);
}
