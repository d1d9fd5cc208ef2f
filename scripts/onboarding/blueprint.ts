/**
 * The onboarding blueprint: GTM_Onboarding_Blueprint__mdt and GTM_Onboarding_Step__mdt records in force-app, what
 * the org's GtmOnboardingPlanService reads. New plans use the active version (the highest, when a family has
 * several); a plan keeps the version it was created with. A blueprint whose steps the plan rule would refuse (an
 * unknown side or link, a dependency on a step it does not have, a cycle) is refused here, naming the record.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../lib/errors';
import { displayPath, projectPaths } from '../lib/paths';
import { parseRecord } from '../policy/customMetadata';
import {
  calendarOf,
  evaluatePlan,
  STEP_LINKS,
  STEP_SIDES,
  type PlanStep,
  type StepSide
} from '../rules/onboardingRule';
import { DEFAULT_POOL_HOURS } from '../routing/poolHours';

const BLUEPRINT_PREFIX = 'GTM_Onboarding_Blueprint.';
const STEP_PREFIX = 'GTM_Onboarding_Step.';
const SUFFIX = '.md-meta.xml';

export interface BlueprintStep {
  key: string;
  phase: string;
  title: string;
  instructions: string;
  side: StepSide;
  ownerRole: string;
  offsetDays: number;
  dependsOn: string[];
  gate: boolean;
  exitCriterion: string;
  link: string | null;
  sortOrder: number;
}

export interface Blueprint {
  /** the record's DeveloperName, pinned on each plan (Onboarding_Plan__c.Blueprint__c) */
  name: string;
  key: string;
  version: number;
  active: boolean;
  description: string;
  steps: BlueprintStep[];
}

function recordsOf(dir: string, prefix: string) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith(SUFFIX))
    .sort()
    .map((f) => ({ file: path.join(dir, f), name: f.slice(prefix.length, -SUFFIX.length) }));
}

const textOf = (v: string | null | undefined) => (v ?? '').trim();

/** Every blueprint version in force-app with its steps in Sort_Order__c order. */
export function loadBlueprints(projectDir?: string): Blueprint[] {
  const dir = projectPaths(projectDir).customMetadata;
  const blueprints = recordsOf(dir, BLUEPRINT_PREFIX).map(({ file, name }): Blueprint => {
    const f = parseRecord(file).fields;
    const version = Number(f.Version__c);
    if (!Number.isInteger(version) || version < 1)
      throw new InputError(`${displayPath(file)}: Version__c ${String(f.Version__c)} is not a whole number >= 1`);
    return {
      name,
      key: textOf(f.Blueprint_Key__c),
      version,
      active: f.Active__c === 'true',
      description: textOf(f.Description__c),
      steps: []
    };
  });
  const byName = new Map(blueprints.map((b) => [b.name, b]));
  for (const { file, name } of recordsOf(dir, STEP_PREFIX)) {
    const f = parseRecord(file).fields;
    const where = displayPath(file);
    const blueprint = byName.get(textOf(f.Blueprint__c));
    if (!blueprint) throw new InputError(`${where}: Blueprint__c ${String(f.Blueprint__c)} names no blueprint record`);
    const side = textOf(f.Side__c) as StepSide;
    if (!STEP_SIDES.includes(side))
      throw new InputError(`${where}: Side__c ${JSON.stringify(side)} is not one of ${STEP_SIDES.join(', ')}`);
    const link = textOf(f.Links_To__c) || null;
    if (link !== null && !(STEP_LINKS as readonly string[]).includes(link))
      throw new InputError(`${where}: Links_To__c ${JSON.stringify(link)} is not one of ${STEP_LINKS.join(', ')}`);
    const offsetDays = Number(f.Offset_Business_Days__c ?? '0');
    if (!Number.isInteger(offsetDays) || offsetDays < 0)
      throw new InputError(
        `${where}: Offset_Business_Days__c ${String(f.Offset_Business_Days__c)} is not a whole number >= 0`
      );
    blueprint.steps.push({
      key: textOf(f.Step_Key__c) || name,
      phase: textOf(f.Phase__c),
      title: textOf(f.Title__c),
      instructions: textOf(f.Instructions__c),
      side,
      ownerRole: textOf(f.Owner_Role__c),
      offsetDays,
      dependsOn: textOf(f.Depends_On__c)
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean),
      gate: f.Is_Gate__c === 'true',
      exitCriterion: textOf(f.Exit_Criterion__c),
      link,
      sortOrder: Number(f.Sort_Order__c ?? '0')
    });
  }
  for (const b of blueprints) {
    b.steps.sort((x, y) => x.sortOrder - y.sortOrder || (x.key < y.key ? -1 : 1));
    try {
      // the plan rule checks keys, dependencies and cycles: a blueprint it would refuse is refused now
      evaluatePlan('2026-01-05T00:00:00Z', planStepsOf(b), calendarOf(DEFAULT_POOL_HOURS), '2026-01-05T00:00:00Z');
    } catch (err) {
      throw new InputError(`onboarding blueprint ${b.name}: ${(err as Error).message}`);
    }
  }
  return blueprints;
}

/** The blueprint new plans use: the highest active version. */
export function activeBlueprint(blueprints: Blueprint[] = loadBlueprints()): Blueprint {
  const active = blueprints.filter((b) => b.active).sort((a, b) => b.version - a.version);
  if (!active.length)
    throw new InputError('no active onboarding blueprint: mark one GTM_Onboarding_Blueprint__mdt record Active');
  return active[0]!;
}

/** The blueprint's steps as a new plan's, before release. */
export function planStepsOf(blueprint: Blueprint): PlanStep[] {
  return blueprint.steps.map((s) => ({
    key: s.key,
    side: s.side,
    offsetDays: s.offsetDays,
    dependsOn: [...s.dependsOn],
    gate: s.gate,
    status: 'Not released',
    releasedAt: null,
    dueAt: null,
    completedAt: null,
    skipReason: null,
    blockedReason: null,
    dependencyReopened: false,
    linkSatisfiedAt: null
  }));
}
