/**
 * `typescript`: the tooling compiles under the project's strict tsconfig. Runs the repository's own tsc (not a
 * global one) in a child process, because the compiler API would need its own diagnostics formatting and tsc's
 * `file(line,col): error TSxxxx: message` lines are stable and easy to parse.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Problem } from '../../lib/errors';
import { runProcess } from '../files';
import type { Check } from '../types';

const DIAGNOSTIC = /^(.+?)\((\d+),(\d+)\): (error|warning) (TS\d+): (.*)$/;
const GLOBAL_DIAGNOSTIC = /^(error|warning) (TS\d+): (.*)$/;

/** Turns tsc's --pretty false output into problems; indented lines continue the previous message. */
export function parseTscOutput(output: string): Problem[] {
  const problems: Problem[] = [];
  const codes: string[] = [];
  for (const raw of output.split(/\r?\n/)) {
    if (!raw.trim()) continue;
    const m = DIAGNOSTIC.exec(raw);
    const g = m ? null : GLOBAL_DIAGNOSTIC.exec(raw);
    if (m) {
      problems.push({
        file: m[1]!.split(path.sep).join('/'),
        line: Number(m[2]),
        column: Number(m[3]),
        message: m[6]!
      });
      codes.push(m[5]!);
    } else if (g) {
      problems.push({ file: 'tsconfig.json', message: g[3]! });
      codes.push(g[2]!);
    } else if (/^\s/.test(raw) && problems.length) {
      problems[problems.length - 1]!.message += ` ${raw.trim()}`;
    }
  }
  // the TS code goes last, after any continuation lines
  return problems.map((p, i) => ({ ...p, message: `${p.message} (${codes[i]})` }));
}

export const typescriptCheck: Check = {
  name: 'typescript',
  description: 'tsc --noEmit with the project tsconfig (strict)',
  async run({ projectDir }) {
    const tsconfig = path.join(projectDir, 'tsconfig.json');
    if (!fs.existsSync(tsconfig))
      return [{ file: 'tsconfig.json', message: 'missing: the TypeScript tooling has no compiler configuration' }];
    const tsc = require.resolve('typescript/bin/tsc');
    const r = await runProcess(process.execPath, [tsc, '-p', tsconfig, '--noEmit', '--pretty', 'false'], {
      cwd: projectDir,
      timeoutMs: 180_000
    });
    const problems = parseTscOutput(r.stdout + r.stderr);
    if (r.code !== 0 && problems.length === 0) {
      problems.push({ file: 'tsconfig.json', message: `tsc exited with ${r.code}: ${(r.stderr || r.stdout).trim()}` });
    }
    return problems;
  }
};
