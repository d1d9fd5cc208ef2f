/**
 * `prettier`: every file prettier can format (Apex through prettier-plugin-apex, LWC js/html/css, the TypeScript
 * tooling, JSON) is formatted as the project's .prettierrc says, honouring .prettierignore and .gitignore as
 * `prettier --check .` does. Unformatted files are reported with the first line that would change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Prettier from 'prettier';
import type { Problem } from '../../lib/errors';
import { REPO_ROOT } from '../../lib/paths';
import { listFiles, relFile } from '../files';
import type { Check } from '../types';

/**
 * Prettier resolves plugin names from the process's working directory, not from the config file, so a run
 * from anywhere but the project root would fail to find prettier-plugin-apex. Resolve them from the project
 * (then from this repository, whose node_modules a temp project links to) to absolute paths first.
 */
function resolvePlugins(plugins: unknown[] | undefined, projectDir: string): unknown[] | undefined {
  return plugins?.map((p) => {
    if (typeof p !== 'string' || path.isAbsolute(p)) return p;
    return require.resolve(p, { paths: [projectDir, REPO_ROOT] });
  });
}

function firstDifferentLine(a: string, b: string): number {
  const x = a.split('\n');
  const y = b.split('\n');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i + 1;
}

export const prettierCheck: Check = {
  name: 'prettier',
  description: 'prettier 3 --check (Apex via prettier-plugin-apex, LWC, scripts)',
  async run({ projectDir }) {
    // loaded on use: prettier starts an ES-module import as soon as it is required, which costs every other
    // command start-up time and cannot run inside jest's CommonJS sandbox at all
    const prettier = await import('prettier');
    const ignorePath = ['.gitignore', '.prettierignore']
      .map((f) => path.join(projectDir, f))
      .filter((f) => fs.existsSync(f));
    const problems: Problem[] = [];
    for (const file of listFiles(projectDir)) {
      const options = (await prettier.resolveConfig(file)) ?? {};
      const plugins = resolvePlugins(options.plugins, projectDir) as Prettier.Options['plugins'];
      const info = await prettier.getFileInfo(file, { ignorePath, plugins, resolveConfig: true });
      if (info.ignored || !info.inferredParser) continue;
      const source = fs.readFileSync(file, 'utf8');
      const withFile = { ...options, plugins, filepath: file };
      try {
        if (await prettier.check(source, withFile)) continue;
        const formatted = await prettier.format(source, withFile);
        problems.push({
          file: relFile(projectDir, file),
          line: firstDifferentLine(source, formatted),
          message: `not formatted as prettier would (run: npx prettier --write ${relFile(projectDir, file)})`
        });
      } catch (err) {
        // prettier throws on a syntax error; say so instead of failing the whole check
        const loc = (err as { loc?: { start?: { line?: number; column?: number } } }).loc?.start;
        problems.push({
          file: relFile(projectDir, file),
          line: loc?.line,
          column: loc?.column,
          message: `prettier cannot parse it: ${(err as Error).message.split('\n')[0]}`
        });
      }
    }
    return problems;
  }
};
