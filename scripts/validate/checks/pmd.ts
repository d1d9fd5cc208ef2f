/**
 * `pmd`: Apex static analysis with Salesforce Code Analyzer's core and its PMD engine, used as libraries
 * (the sf plugin cannot be installed offline). Severity 1-2 (critical/high: security, CRUD, SOQL injection, ...)
 * fails the check; severity 3+ is printed as advice. Code Analyzer itself exits 0 whatever it finds, which is why
 * the violations are read and judged here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SeverityLevel } from '@salesforce/code-analyzer-core';
import { ToolError, type Problem } from '../../lib/errors';
import { projectPaths } from '../../lib/paths';
import { listFiles, relFile, runProcess } from '../files';
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

const INSTALL_JDK = 'Install a JDK 17, e.g. `apt-get install -y openjdk-17-jre-headless`, or set JAVA_HOME.';

function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home ? path.join(home, 'bin', 'java') : 'java';
}

/** PMD 7 needs Java 11+; fail with one clear message instead of an engine stack trace. */
async function requireJava(java: string, cwd: string): Promise<void> {
  const r = await runProcess(java, ['-version'], {
    cwd,
    timeoutMs: 30_000,
    toolHint: `PMD needs Java. ${INSTALL_JDK}`
  });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr + r.stdout);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (r.code !== 0 || !(major >= 11)) {
    throw new ToolError(
      `PMD needs Java 11 or newer, found ${m ? `Java ${major}` : 'no usable java'} at ${java}. ${INSTALL_JDK}`
    );
  }
}

export const pmdCheck: Check = {
  name: 'pmd',
  description: 'Code Analyzer + PMD (pmd:Recommended) on Apex: severity 1-2 fail, 3+ advise',
  async run({ projectDir, note }) {
    const apexFiles = listFiles(projectPaths(projectDir).forceApp, (f) => /\.(cls|trigger)$/.test(f));
    if (apexFiles.length === 0) return [];
    const java = javaCommand();
    await requireJava(java, projectDir);

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
