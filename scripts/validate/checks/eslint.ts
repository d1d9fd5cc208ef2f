/**
 * `eslint`: the project's flat config (eslint.config.js: LWC rules for components, typescript-eslint for the
 * tooling) over the whole project, through ESLint's Node API so results arrive as data rather than text.
 * Warnings count as problems: a warning nobody has to fix is noise, and CI runs with --max-warnings 0.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Problem } from '../../lib/errors';
import { relFile } from '../files';
import type { Check } from '../types';

const CONFIG_FILES = ['eslint.config.js', 'eslint.config.mjs', 'eslint.config.cjs'];

export const eslintCheck: Check = {
  name: 'eslint',
  description: 'ESLint 9 flat config: LWC recommended rules, typescript-eslint for scripts',
  async run({ projectDir }) {
    if (!CONFIG_FILES.some((f) => fs.existsSync(path.join(projectDir, f)))) {
      return [{ file: 'eslint.config.js', message: 'missing: without it ESLint has no rules to apply' }];
    }
    // loaded on use, like every heavy tool here, so `gtm deploy` and `gtm --help` start fast
    const { ESLint } = await import('eslint');
    const eslint = new ESLint({ cwd: projectDir, errorOnUnmatchedPattern: false });
    const results = await eslint.lintFiles(['.']);
    const problems: Problem[] = [];
    for (const r of results) {
      for (const m of r.messages) {
        const kind = m.severity === 2 ? 'error' : 'warning';
        problems.push({
          file: relFile(projectDir, r.filePath),
          line: m.line || undefined,
          column: m.column || undefined,
          message: `${m.message} (${m.ruleId ?? (m.fatal ? 'parse error' : kind)}${m.severity === 1 ? ', warning' : ''})`
        });
      }
    }
    return problems;
  }
};
