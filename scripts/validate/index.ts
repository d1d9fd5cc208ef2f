/**
 * The offline verification suite behind `gtm validate` (and the pre-flight of `gtm deploy`): every check that can
 * run without an org, in a fixed order from cheapest to heaviest. Checks run one after another: PMD (a JVM) and
 * the sf CLI each want most of a 2-core machine, and sequential output is easier to follow.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, UsageError, type Problem } from '../lib/errors';
import { apexCompileCheck } from './checks/apexCompile';
import { apexSyntaxCheck } from './checks/apexSyntax';
import { convertCheck } from './checks/convert';
import { eslintCheck } from './checks/eslint';
import { fieldReferencesCheck } from './checks/fieldReferences';
import { metadataXmlCheck } from './checks/metadataXml';
import { pmdCheck } from './checks/pmd';
import { policyCheck } from './checks/policy';
import { prettierCheck } from './checks/prettier';
import { trackingPlanCheck } from './checks/trackingPlan';
import { typescriptCheck } from './checks/typescript';
import type { Check, CheckResult } from './types';

export type { Check, CheckContext, CheckResult } from './types';

export const CHECKS: Check[] = [
  typescriptCheck,
  eslintCheck,
  prettierCheck,
  metadataXmlCheck,
  policyCheck,
  trackingPlanCheck,
  apexSyntaxCheck,
  fieldReferencesCheck,
  apexCompileCheck,
  pmdCheck,
  convertCheck
];

export interface RunChecksOptions {
  projectDir: string;
  /** Names of the checks to run (default: all), in CHECKS order whatever order they are given in. */
  only?: string[];
  /** Called before each check starts, for progress output. */
  onProgress?(name: string): void;
}

/** Resolves `only` to checks, rejecting unknown names with the list of valid ones. */
export function selectChecks(only?: string[]): Check[] {
  if (!only || only.length === 0) return CHECKS;
  const names = only.map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !CHECKS.some((c) => c.name === n));
  if (unknown.length) {
    throw new UsageError(
      `unknown check ${unknown.map((n) => `"${n}"`).join(', ')}; valid checks: ${CHECKS.map((c) => c.name).join(', ')}`
    );
  }
  return CHECKS.filter((c) => names.includes(c.name));
}

/**
 * Runs the selected checks in order and returns one result each. A check that cannot run at all (a GtmError
 * such as a missing Java) stops the run with that error: its verdict would be meaningless.
 */
export async function runChecks(options: RunChecksOptions): Promise<CheckResult[]> {
  const checks = selectChecks(options.only);
  const projectDir = path.resolve(options.projectDir);
  if (!fs.existsSync(path.join(projectDir, 'sfdx-project.json'))) {
    throw new InputError(`${projectDir} is not an SFDX project (no sfdx-project.json)`);
  }
  const results: CheckResult[] = [];
  for (const check of checks) {
    options.onProgress?.(check.name);
    const notes: Problem[] = [];
    const started = Date.now();
    const problems = await check.run({ projectDir, note: (p) => notes.push(p) });
    results.push({
      name: check.name,
      description: check.description,
      ok: problems.length === 0,
      problems,
      notes,
      durationMs: Date.now() - started
    });
  }
  return results;
}
