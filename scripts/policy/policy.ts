/**
 * The program's policy: every threshold from the seed, as data. The same entries are deployed as
 * GTM_Policy__mdt records (see customMetadata.ts); rules read values through typed accessors, never literals.
 */
import * as fs from 'node:fs';
import { describeFsError, InputError } from '../lib/errors';
import { displayPath, projectPaths, workingProjectRoot } from '../lib/paths';
import { checkPolicyDocument, describePolicyIssue, type PolicyEntry, type PolicyIssue } from './schema';

export { POLICY_CATEGORIES, POLICY_RULES, POLICY_TYPES, PolicyEntrySchema, PolicyFileSchema } from './schema';
export type { PolicyEntry, PolicyFile, PolicyIssue } from './schema';

/** Read access to policy values by key, typed, failing loudly on a missing key or a type mismatch. */
export class Policy {
  constructor(
    readonly entries: Readonly<Record<string, PolicyEntry>>,
    readonly version: string,
    /** where the values came from, for messages: a file path or an org */
    readonly origin: string
  ) {}

  keys(): string[] {
    return Object.keys(this.entries).sort();
  }

  entry(key: string): PolicyEntry {
    const e = this.entries[key];
    if (!e) throw new InputError(`policy ${this.origin} has no value for ${key}`);
    return e;
  }

  private typed(key: string, ...types: PolicyEntry['type'][]): string {
    const e = this.entry(key);
    if (!types.includes(e.type)) {
      throw new InputError(`policy ${key} in ${this.origin} is a ${e.type}, expected ${types.join(' or ')}`);
    }
    return e.value;
  }

  /** The value exactly as written (e.g. "0.40"), for exact rational comparisons. */
  decimal(key: string): string {
    return this.typed(key, 'Number', 'Integer');
  }

  number(key: string): number {
    return Number(this.decimal(key));
  }

  integer(key: string): number {
    return Number(this.typed(key, 'Integer'));
  }

  text(key: string): string {
    return this.typed(key, 'Text');
  }

  boolean(key: string): boolean {
    return this.typed(key, 'Boolean') === 'true';
  }

  /** A date as YYYY-MM-DD. */
  date(key: string): string {
    return this.typed(key, 'Date');
  }

  list(key: string): string[] {
    return this.typed(key, 'List')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean);
  }
}

/** How a problem is named for the reader: the file and key by default; an org names its record. */
export type PolicyIssueFormatter = (issue: PolicyIssue) => string;

/** "policy/gtm-policy.json: Expansion_Share_Threshold = -0.2: must be a share between 0 and 1" */
export const fileIssue =
  (origin: string): PolicyIssueFormatter =>
  (issue) =>
    `${origin}: ${describePolicyIssue(issue)}`;

/** The InputError for a policy with problems: the one problem as its message, or a count and every problem. */
export function policyError(origin: string, lines: string[]): InputError {
  if (lines.length === 1) return new InputError(lines[0]!, { details: ['nothing was read from it'] });
  return new InputError(`${origin} is not a valid policy: ${lines.length} problems`, { details: lines });
}

/**
 * Validates a parsed policy document against the schema (every key, its type and range) and returns it; every
 * command that reads policy comes through here, from the file or from an org.
 */
export function parsePolicyFile(
  raw: unknown,
  origin: string,
  format: PolicyIssueFormatter = fileIssue(origin)
): Policy {
  const checked = checkPolicyDocument(raw);
  if (!('file' in checked)) throw policyError(origin, checked.issues.map(format));
  return new Policy(checked.file.policies, checked.file.version, origin);
}

/** Problems of a Policy built in code (not read through parsePolicyFile), e.g. before rendering it. */
export function policyProblems(policy: Policy): string[] {
  const checked = checkPolicyDocument({ version: policy.version, policies: policy.entries });
  return checked.issues.map(fileIssue(policy.origin));
}

/** 1-based line and column of a 0-based offset in a text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

/** A key written twice in one JSON object: JSON.parse keeps the last without a word. */
export interface JsonDuplicateKey {
  key: string;
  /** offsets of the repeated and of the first occurrence */
  offset: number;
  firstOffset: number;
}

/**
 * Walks `text` as JSON (RFC 8259): the offset of the first character at which it stops being JSON (-1 when it
 * is JSON), and the keys written twice in one object. Node's JSON.parse gives a position only for some errors
 * ("Unexpected token ..." has none) and says nothing of repeated keys, so the syntax is walked here.
 */
export function scanJson(text: string): { errorOffset: number; duplicates: JsonDuplicateKey[] } {
  const duplicates: JsonDuplicateKey[] = [];
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (at: number = i): never => {
    throw at;
  };
  const lit = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const str = () => {
    i++; // the opening quote
    for (;;) {
      const ch = text[i];
      if (ch === undefined || ch < ' ') fail();
      if (ch === '"') return void i++;
      if (ch === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) fail(i + k);
          i += 5;
        } else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i]!)) i++;
        else fail();
      } else i++;
    }
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      const seen = new Map<string, number>();
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const start = i;
        str();
        const key = JSON.parse(text.slice(start, i)) as string;
        const first = seen.get(key);
        if (first === undefined) seen.set(key, start);
        else duplicates.push({ key, offset: start, firstOffset: first });
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (ch === '"') str();
    else if (ch === 't') lit('true');
    else if (ch === 'f') lit('false');
    else if (ch === 'n') lit('null');
    else if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) num();
    else fail();
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value();
    ws();
    if (i < text.length) fail();
    return { errorOffset: -1, duplicates };
  } catch (at) {
    if (typeof at === 'number') return { errorOffset: at, duplicates };
    throw at;
  }
}

/** The offset at which `text` stops being JSON, or -1 when it is JSON. */
export function jsonErrorOffset(text: string): number {
  return scanJson(text).errorOffset;
}

/** "policy/gtm-policy.json:12:5: Stage_Pilot is written twice (first on line 3); JSON keeps only the last" */
export function duplicateKeyProblems(text: string): { line: number; column: number; message: string }[] {
  return scanJson(text).duplicates.map((d) => ({
    ...lineColumn(text, d.offset),
    message: `${d.key} is written twice in one object (first on line ${lineColumn(text, d.firstOffset).line}); JSON keeps only the last`
  }));
}

/** Where a text stops being JSON, as line and column, and JSON.parse's reason without its offset or excerpt. */
export function jsonSyntaxError(text: string, err: unknown): { line: number; column: number; reason: string } {
  const message = err instanceof Error ? err.message : String(err);
  const found = jsonErrorOffset(text);
  const pos = /at position (\d+)/.exec(message);
  const offset = found >= 0 ? found : pos ? Number(pos[1]) : text.length;
  const reason = message
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/\s*in JSON at position \d+/, '')
    .replace(/^(Unexpected token .*?), ".*" is not valid JSON$/s, '$1')
    .replace(/^Unexpected end of JSON input$/, 'unexpected end of the file')
    .split('')
    .map((c) => (c < ' ' ? JSON.stringify(c).slice(1, -1) : c))
    .join('');
  return { ...lineColumn(text, offset), reason };
}

/** Reads and parses a policy file; a syntax error names line and column. */
export function readPolicyJson(file: string, shown: string = displayPath(file)): { text: string; raw: unknown } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read policy file ${shown}: ${describeFsError(err)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const { line, column, reason } = jsonSyntaxError(text, err);
    throw new InputError(`${shown}:${line}:${column}: not valid JSON: ${reason}`);
  }
  const dups = duplicateKeyProblems(text).map((d) => `${shown}:${d.line}:${d.column}: ${d.message}`);
  if (dups.length) throw policyError(shown, dups);
  return { text, raw };
}

/** Loads policy/gtm-policy.json (or another policy file), validated against the schema. */
/**
 * The policy file a command judges by: the one of the SFDX project it runs in (see workingProjectRoot), when that
 * project has one, else gtm's own: a project's store is never judged by another project's thresholds.
 */
export function workingPolicyFile(): string {
  const own = projectPaths(workingProjectRoot()).policyFile;
  return fs.existsSync(own) ? own : projectPaths().policyFile;
}

export function loadPolicyFile(file: string = workingPolicyFile()): Policy {
  const shown = displayPath(file);
  return parsePolicyFile(readPolicyJson(file, shown).raw, shown);
}
