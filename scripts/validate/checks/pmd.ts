/**
 * `pmd`: Apex static analysis with Salesforce Code Analyzer's core and its PMD engine, used as libraries
 * (the sf plugin cannot be installed offline). Severity 1-2 (critical/high: security, CRUD, SOQL injection, ...)
 * fails the check; severity 3+ is printed as advice. Code Analyzer itself exits 0 whatever it finds, which is why
 * the violations are read and judged here.
 */
import * as fs from 'node:fs';
import type { SeverityLevel } from '@salesforce/code-analyzer-core';
import type { Problem } from '../../lib/errors';
import { projectPaths } from '../../lib/paths';
import { listFiles, relFile } from '../files';
import { javaCommand, requireJava } from '../tools/java';
import type { Check } from '../types';

/** PMD's curated Apex rules: security, error-prone, performance, best practices. */
const RULE_SELECTORS = ['pmd:Recommended'];

/** Code Analyzer's SeverityLevel.High: violations at this level or above (1 = Critical) fail the check. */
const HIGH: SeverityLevel.High = 2;

/**
 * Raised to High so that it fails the build: a class without an explicit sharing declaration runs without
 * sharing rules when called from another such class, the default the project's style avoids.
 */
const RULE_OVERRIDES = { ApexSharingViolations: { severity: HIGH } };

export const pmdCheck: Check = {
  name: 'pmd',
  description: 'Code Analyzer + PMD (pmd:Recommended) on Apex: severity 1-2 fail, 3+ advise',
  async run({ projectDir, note }) {
    const apexFiles = listFiles(projectPaths(projectDir).forceApp, (f) => /\.(cls|trigger)$/.test(f));
    if (apexFiles.length === 0) return [];
    const java = javaCommand();
    await requireJava(java, projectDir, 11, 'PMD');

    // loaded on use: the analyzer and its engine are large and only this check needs them
    const { CodeAnalyzer, CodeAnalyzerConfig } = await import('@salesforce/code-analyzer-core');
    const { createEnginePlugin } = await import('@salesforce/code-analyzer-pmd-engine');
    const config = CodeAnalyzerConfig.fromObject(
      {
        engines: { pmd: { java_command: java }, cpd: { disable_engine: true } },
        rules: { pmd: RULE_OVERRIDES }
      },
      projectDir
    );
    const analyzer = new CodeAnalyzer(config);
    await analyzer.addEnginePlugin(createEnginePlugin());
    const workspace = await analyzer.createWorkspace(apexFiles);
    const rules = await analyzer.selectRules(RULE_SELECTORS, { workspace });
    const results = await analyzer.run(rules, { workspace });

    const problems: Problem[] = [];
    for (const v of results.getViolations()) {
      const rule = v.getRule();
      const loc = v.getPrimaryLocation();
      const file = loc.getFile();
      const severity = rule.getSeverityLevel();
      const problem: Problem = {
        file:
          file && fs.existsSync(file)
            ? relFile(projectDir, file)
            : relFile(projectDir, projectPaths(projectDir).forceApp),
        line: loc.getStartLine(),
        column: loc.getStartColumn(),
        message: `${rule.getName()} (severity ${severity}): ${v.getMessage().trim()}`
      };
      if (severity <= HIGH) problems.push(problem);
      else note?.(problem);
    }
    return problems;
  }
};
