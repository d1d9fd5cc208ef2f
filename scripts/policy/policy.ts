/**
 * The program's policy: every threshold from the seed, as data. The same entries are deployed as
 * GTM_Policy__mdt records (see customMetadata.ts); rules read values through typed accessors, never literals.
 */
import * as fs from 'node:fs';
import { z } from 'zod';
import { describeFsError, InputError } from '../lib/errors';
import { displayPath, projectPaths } from '../lib/paths';
import { isIsoDate } from '../metadata/recordCheck';

export const POLICY_TYPES = ['Number', 'Integer', 'Text', 'Boolean', 'Date', 'List'] as const;
export const POLICY_CATEGORIES = [
  'Program',
  'Expansion',
  'Pilot',
  'Security',
  'Hallucination',
  'Experiment',
  'Sync',
  'Stages',
  'Gates'
] as const;

const DECIMAL = /^-?\d+(\.\d+)?$/;
const INTEGER = /^-?\d+$/;

export const PolicyEntrySchema = z
  .object({
    value: z.string().min(1).max(255),
    type: z.enum(POLICY_TYPES),
    category: z.enum(POLICY_CATEGORIES),
    unit: z.string().max(40).optional(),
    experiment: z
      .string()
      .regex(/^exp-\d{3}$/)
      .optional(),
    source: z.string().min(1).max(255),
    description: z.string().min(1).max(255)
  })
  .strict()
  .superRefine((e, ctx) => {
    const bad = (msg: string) => ctx.addIssue({ code: 'custom', path: ['value'], message: msg });
    if (e.type === 'Number' && !DECIMAL.test(e.value)) bad(`"${e.value}" is not a decimal number`);
    if (e.type === 'Integer' && !INTEGER.test(e.value)) bad(`"${e.value}" is not an integer`);
    if (e.type === 'Boolean' && !['true', 'false'].includes(e.value)) bad(`"${e.value}" is not true or false`);
    if (e.type === 'Date' && !isIsoDate(e.value)) bad(`"${e.value}" is not a YYYY-MM-DD date`);
  });

/** DeveloperName rules of a Custom Metadata record. */
const DEVELOPER_NAME = /^[A-Za-z](?!.*__)[A-Za-z0-9_]{0,38}[A-Za-z0-9]$/;

export const PolicyFileSchema = z
  .object({
    version: z.string().min(1),
    policies: z.record(
      z.string().regex(DEVELOPER_NAME, 'is not a valid Custom Metadata DeveloperName'),
      PolicyEntrySchema
    )
  })
  .strict();

export type PolicyEntry = z.infer<typeof PolicyEntrySchema>;
export type PolicyFile = z.infer<typeof PolicyFileSchema>;

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

export function parsePolicyFile(raw: unknown, origin: string): Policy {
  const parsed = PolicyFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InputError(`${origin} is not a valid policy file`, {
      details: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    });
  }
  return new Policy(parsed.data.policies, parsed.data.version, origin);
}

/** Loads policy/gtm-policy.json (or another policy file). */
export function loadPolicyFile(file: string = projectPaths().policyFile): Policy {
  const shown = displayPath(file);
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
    throw new InputError(`${shown} is not valid JSON: ${(err as Error).message}`);
  }
  return parsePolicyFile(raw, shown);
}
