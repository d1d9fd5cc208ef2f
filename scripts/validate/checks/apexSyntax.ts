/**
 * `apex-syntax`: every class and trigger parses with the Apex grammar (@apexdevtools/apex-parser, which knows
 * SOQL, `WITH USER_MODE` and friends), and every class has the -meta.xml the Metadata API needs to deploy it.
 * Catches what would otherwise first surface as a failed deploy.
 */
import * as fs from 'node:fs';
import { ApexErrorListener, ApexParserFactory } from '@apexdevtools/apex-parser';
import type { Problem } from '../../lib/errors';
import { projectPaths } from '../../lib/paths';
import { listFiles, relFile } from '../files';
import type { Check } from '../types';

class CollectingListener extends ApexErrorListener {
  readonly errors: { line: number; column: number; message: string }[] = [];
  apexSyntaxError(line: number, column: number, msg: string): void {
    this.errors.push({ line, column: column + 1, message: shorten(msg) });
  }
}

/** ANTLR lists every token it would have accepted (often 150+); keep the message readable. */
function shorten(msg: string): string {
  return msg.replace(/expecting \{([^}]*)\}/, (whole, list: string) => {
    const options = list.split(', ');
    return options.length > 8
      ? `expecting one of ${options.length} tokens, e.g. ${options.slice(0, 5).join(', ')}`
      : whole;
  });
}

/** Syntax errors of one Apex source: 1-based line and column. */
export function apexSyntaxErrors(
  source: string,
  kind: 'class' | 'trigger'
): { line: number; column: number; message: string }[] {
  const listener = new CollectingListener();
  const { parser } = ApexParserFactory.createLexerAndParser(source, listener);
  if (kind === 'trigger') parser.triggerUnit();
  else parser.compilationUnit();
  return listener.errors;
}

/**
 * `without sharing` is allowed only where a comment right above the declaration says why (PMD flags a missing
 * sharing keyword, not an explicit `without sharing`). Returns the 1-based lines of unexplained ones.
 */
export function unexplainedWithoutSharing(source: string): number[] {
  const lines = source.split(/\r?\n/);
  const found: number[] = [];
  lines.forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '');
    if (!/\bwithout\s+sharing\b/i.test(code) || !/\bclass\b/i.test(code)) return;
    // the comment block directly above (ApexDoc or // lines)
    let j = i - 1;
    const comment: string[] = [];
    while (j >= 0 && /^\s*(\/\/|\/\*|\*|@)/.test(lines[j]!)) comment.push(lines[j--]!);
    if (!/\b(because|why)\b/i.test(comment.join(' '))) found.push(i + 1);
  });
  return found;
}

export const apexSyntaxCheck: Check = {
  name: 'apex-syntax',
  description: 'every .cls/.trigger parses (apex-parser), has its -meta.xml, and explains any without sharing',
  async run({ projectDir }) {
    const problems: Problem[] = [];
    const files = listFiles(projectPaths(projectDir).forceApp, (f) => /\.(cls|trigger)$/.test(f));
    for (const file of files) {
      const kind = file.endsWith('.trigger') ? 'trigger' : 'class';
      const rel = relFile(projectDir, file);
      const source = fs.readFileSync(file, 'utf8');
      for (const e of apexSyntaxErrors(source, kind)) {
        problems.push({ file: rel, line: e.line, column: e.column, message: e.message });
      }
      for (const line of unexplainedWithoutSharing(source)) {
        problems.push({
          file: rel,
          line,
          message:
            'without sharing needs a comment right above the class saying why (because ...); default to with sharing'
        });
      }
      if (!fs.existsSync(`${file}-meta.xml`)) {
        problems.push({
          file: rel,
          message: `no ${rel.split('/').pop()}-meta.xml beside it: the ${kind} cannot be deployed without its API version and status`
        });
      }
    }
    return problems;
  }
};
