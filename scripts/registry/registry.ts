/**
 * The experiment registry and launch-gate definitions: data/experiment-backlog.csv,
 * data/prioritized-experiments.csv and data/launch-gates.csv, validated row by row (zod for shape, force-app
 * for picklists and sizes, the policy for every number) into the records `gtm deploy` upserts.
 * Any problem anywhere means nothing is returned: one InputError lists every problem with file, line and field.
 */
import * as path from 'node:path';
import { z } from 'zod';
import { readCsvFile, CsvRecord, CsvSpec } from '../lib/csvFile';
import { InputError, Problem, formatProblem } from '../lib/errors';
import { displayPath, projectPaths } from '../lib/paths';
import { checkFieldValue, picklistValue } from '../metadata/recordCheck';
import { Schema, loadSchema } from '../metadata/schema';
import { Policy } from '../policy/policy';

export const EXPERIMENT_OBJECT = 'GTM_Experiment__c';
export const GATE_OBJECT = 'GTM_Launch_Gate__c';

/** CSV column -> GTM_Experiment__c field. */
export const EXPERIMENT_COLUMNS = {
  key: 'Experiment_Key__c',
  name: 'Name',
  workstream: 'Workstream__c',
  hypothesis: 'Hypothesis__c',
  primary_metric: 'Primary_Metric__c',
  metric_unit: 'Metric_Unit__c',
  baseline: 'Baseline_Value__c',
  target: 'Target_Value__c',
  decision_rule: 'Decision_Rule__c',
  owner_role: 'Owner_Role__c',
  status: 'Status__c',
  phase: 'Phase__c',
  launch_week: 'Launch_Week__c',
  decision_week: 'Decision_Week__c',
  minimum_sample_size: 'Minimum_Sample_Size__c'
} as const;
const DECISION_DATE_FIELD = 'Decision_Date__c';
const PRIORITY_FIELD = 'Priority_Rank__c';

/** CSV column -> GTM_Launch_Gate__c field. */
export const GATE_COLUMNS = {
  gate_key: 'Gate_Key__c',
  name: 'Name',
  gate_type: 'Gate_Type__c',
  threshold_policy_key: 'Threshold_Policy_Key__c',
  threshold_direction: 'Threshold_Direction__c',
  risk_control: 'Risk_Control__c'
} as const;
const GATE_EXPERIMENT_RELATIONSHIP = 'Experiment__r';
const GATE_THRESHOLD_FIELD = 'Threshold__c';
const GATE_SCOPE_FIELD = 'Scope__c';
const PROGRAM_SCOPE = 'Program';

const STANDARD_NAME_LENGTH = 80;
const FILES = {
  backlog: 'experiment-backlog.csv',
  prioritized: 'prioritized-experiments.csv',
  gates: 'launch-gates.csv'
} as const;

export type SObjectRecord = Record<string, string | number | boolean | null | Record<string, string>>;

export interface Registry {
  experiments: SObjectRecord[];
  gates: SObjectRecord[];
  files: string[];
}

const requiredText = z.string().min(1, 'is required');
const optionalText = z.string();
const weekNumber = z
  .string()
  .regex(/^\d+$/, 'must be a week number')
  .transform(Number)
  .pipe(z.number().int().min(1, 'weeks start at 1'));

/** Checks and collects problems for one file; rows with problems are dropped from the result. */
class ProblemLog {
  readonly problems: Problem[] = [];
  constructor(private readonly projectDir: string) {}
  show(file: string): string {
    return displayPath(file, this.projectDir);
  }
  add(file: string, line: number | undefined, field: string | undefined, message: string) {
    this.problems.push({ file: this.show(file), line, field, message });
  }
}

/** `{Key}` -> the policy value; `{Key:%}` -> as a percentage. Unknown keys are problems. */
export function renderPolicyTemplate(text: string, policy: Policy): { text: string; unknown: string[] } {
  const unknown: string[] = [];
  const rendered = text.replace(/\{([A-Za-z][A-Za-z0-9_]*)(:%)?\}/g, (whole, key: string, pct?: string) => {
    if (!(key in policy.entries)) {
      unknown.push(key);
      return whole;
    }
    if (!pct) return policy.entry(key).value;
    // percentage from the exact decimal text, no float noise: 0.20 -> 20, 0.015 -> 1.5
    const [int = '0', frac = ''] = policy.decimal(key).split('.');
    const digits = `${int}${frac.padEnd(2, '0')}`;
    const whole100 = digits.slice(0, digits.length - Math.max(0, frac.length - 2)).replace(/^0+(?=\d)/, '');
    const rest = frac.length > 2 ? frac.slice(2).replace(/0+$/, '') : '';
    return `${whole100}${rest ? `.${rest}` : ''}%`;
  });
  return { text: rendered, unknown };
}

/** A decimal, empty, or `policy:<Key>` naming a numeric policy value. */
function resolveNumber(raw: string, policy: Policy): { value: number | null } | { error: string } {
  if (raw === '') return { value: null };
  const ref = /^policy:([A-Za-z][A-Za-z0-9_]*)$/.exec(raw);
  if (ref) {
    const entry = policy.entries[ref[1]!];
    if (!entry) return { error: `policy value ${ref[1]} does not exist in ${policy.origin}` };
    if (entry.type !== 'Number' && entry.type !== 'Integer') return { error: `policy value ${ref[1]} is not a number` };
    return { value: Number(entry.value) };
  }
  if (!/^-?\d+(\.\d+)?$/.test(raw)) return { error: `"${raw}" is not a number or policy:<Key>` };
  return { value: Number(raw) };
}

/** Last day (UTC) of program week `week`, from the policy's program start date. */
export function programWeekEnd(policy: Policy, week: number): string {
  const start = Date.parse(`${policy.date('Program_Start_Date')}T00:00:00Z`);
  return new Date(start + (week * 7 - 1) * 86_400_000).toISOString().slice(0, 10);
}

function zodProblems(log: ProblemLog, file: string, rec: CsvRecord, error: z.ZodError) {
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.') || undefined;
    const raw = field ? rec.values[field] : undefined;
    const got = raw === undefined || raw === '' ? '' : ` (got "${raw}")`;
    log.add(file, rec.line, field, `${issue.message}${got}`);
  }
}

/** Puts a value on a record after checking it against the field's definition in force-app. */
function setField(
  log: ProblemLog,
  schema: Schema,
  object: string,
  record: SObjectRecord,
  where: { file: string; line: number; column: string },
  field: string,
  value: string | number | boolean | null
) {
  if (field === 'Name') {
    if (typeof value === 'string' && value.length > STANDARD_NAME_LENGTH) {
      log.add(where.file, where.line, where.column, `longer than ${STANDARD_NAME_LENGTH} characters`);
    }
    record[field] = value;
    return;
  }
  const def = schema.field(object, field);
  let v = value;
  if (def.type === 'Picklist' && typeof v === 'string' && v !== '') {
    v = picklistValue(def, v) ?? v; // accept any case, write the picklist's own spelling
  }
  const problem = checkFieldValue(def, v);
  if (problem) log.add(where.file, where.line, where.column, problem);
  record[field] = v === '' ? null : v;
}

/**
 * Validates the registry files against the policy and force-app: the records, or every problem found (each with
 * file, line and column). A file that cannot be read at all is one problem (unless throwUnreadable); the others
 * are still checked.
 */
export function checkRegistry(
  policy: Policy,
  options: {
    projectDir?: string;
    schema?: Schema;
    /** throw the InputError of an unreadable file as it is */ throwUnreadable?: boolean;
  } = {}
): { registry: Registry; problems: [] } | { problems: Problem[] } {
  const { data: dataDir, root } = projectPaths(options.projectDir);
  const schema = options.schema ?? loadSchema(options.projectDir);
  const log = new ProblemLog(root);
  const file = (name: string) => path.join(dataDir, name);
  const maxWeek = Math.ceil(policy.integer('Program_Length_Days') / 7);
  /** A file's rows, or none (and one problem) when it is unreadable: missing, not CSV, a bad header. */
  const readRows = (f: string, spec: CsvSpec): CsvRecord[] | undefined => {
    const shown = log.show(f);
    try {
      return readCsvFile(f, spec, shown);
    } catch (err) {
      if (!(err instanceof InputError) || options.throwUnreadable) throw err;
      // the message starts with the file (and line) it is about: keep those as the problem's location
      const rest = err.message.startsWith(shown) ? err.message.slice(shown.length) : ` ${err.message}`;
      const line = /^:(\d+)/.exec(rest)?.[1];
      const message = rest.replace(/^(:\d+)?:?\s*/, '');
      log.add(f, line === undefined ? undefined : Number(line), undefined, [message, ...err.details].join('; '));
      return undefined;
    }
  };

  // 1. experiment backlog
  const backlogFile = file(FILES.backlog);
  const backlogRead = readRows(backlogFile, { required: Object.keys(EXPERIMENT_COLUMNS) });
  const backlogRows = backlogRead ?? [];
  const rowSchema = z
    .object({
      key: z.string().regex(/^exp-\d{3}$/, 'must look like exp-001'),
      name: requiredText,
      workstream: requiredText,
      hypothesis: requiredText,
      primary_metric: requiredText,
      metric_unit: requiredText,
      baseline: optionalText,
      target: requiredText,
      decision_rule: requiredText,
      owner_role: requiredText,
      status: requiredText,
      phase: z.enum(['1', '2', '3'], { message: 'must be 1, 2 or 3' }),
      launch_week: weekNumber.pipe(z.number().max(maxWeek, `the program has ${maxWeek} weeks`)),
      decision_week: weekNumber.pipe(z.number().max(maxWeek, `the program has ${maxWeek} weeks`)),
      minimum_sample_size: optionalText
    })
    .refine((r) => r.decision_week >= r.launch_week, {
      path: ['decision_week'],
      message: 'is before launch_week'
    });

  const experiments = new Map<string, { line: number; record: SObjectRecord }>();
  // keys of rows already reported as bad: references to them are not reported a second time
  const badKeys = new Set<string>();
  for (const rec of backlogRows) {
    const parsed = rowSchema.safeParse(rec.values);
    if (!parsed.success) {
      zodProblems(log, backlogFile, rec, parsed.error);
      badKeys.add(rec.values.key ?? '');
      continue;
    }
    const row = parsed.data;
    const seen = experiments.get(row.key);
    if (seen) {
      log.add(backlogFile, rec.line, 'key', `${row.key} is already defined on line ${seen.line}`);
      continue;
    }
    const record: SObjectRecord = {};
    const at = (column: string) => ({ file: backlogFile, line: rec.line, column });
    for (const [column, field] of Object.entries(EXPERIMENT_COLUMNS)) {
      let value: string | number | null = (row as Record<string, string | number | null>)[column] ?? null;
      if (column === 'baseline' || column === 'target' || column === 'minimum_sample_size') {
        const n = resolveNumber(String(value ?? ''), policy);
        if ('error' in n) {
          log.add(backlogFile, rec.line, column, n.error);
          continue;
        }
        value = n.value;
      } else if (column === 'decision_rule' || column === 'hypothesis') {
        const t = renderPolicyTemplate(String(value), policy);
        for (const k of t.unknown) log.add(backlogFile, rec.line, column, `{${k}} is not a policy value`);
        value = t.text;
      }
      setField(log, schema, EXPERIMENT_OBJECT, record, at(column), field, value);
    }
    setField(
      log,
      schema,
      EXPERIMENT_OBJECT,
      record,
      at('decision_week'),
      DECISION_DATE_FIELD,
      programWeekEnd(policy, row.decision_week)
    );
    record[PRIORITY_FIELD] = null;
    experiments.set(row.key, { line: rec.line, record });
  }

  // 2. priorities
  const prioritizedFile = file(FILES.prioritized);
  const prioritySchema = z.object({
    rank: z
      .string()
      .regex(/^\d+$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().int().min(1, 'ranks start at 1')),
    key: requiredText,
    rationale: requiredText
  });
  const ranks = new Map<number, number>();
  for (const rec of readRows(prioritizedFile, { required: ['rank', 'key', 'rationale'] }) ?? []) {
    const parsed = prioritySchema.safeParse(rec.values);
    if (!parsed.success) {
      zodProblems(log, prioritizedFile, rec, parsed.error);
      continue;
    }
    const { rank, key } = parsed.data;
    const exp = experiments.get(key);
    if (!exp) {
      if (backlogRead && !badKeys.has(key))
        log.add(prioritizedFile, rec.line, 'key', `${key} is not in ${FILES.backlog}`);
      continue;
    }
    if (ranks.has(rank)) {
      log.add(prioritizedFile, rec.line, 'rank', `rank ${rank} is already used on line ${ranks.get(rank)}`);
      continue;
    }
    ranks.set(rank, rec.line);
    setField(
      log,
      schema,
      EXPERIMENT_OBJECT,
      exp.record,
      { file: prioritizedFile, line: rec.line, column: 'rank' },
      PRIORITY_FIELD,
      rank
    );
  }

  // 3. launch-gate definitions
  const gatesFile = file(FILES.gates);
  const gateSchema = z.object({
    gate_key: z.string().regex(/^gate-[a-z0-9-]+$/, 'must look like gate-<name> in lower case'),
    name: requiredText,
    gate_type: requiredText,
    experiment_key: requiredText,
    threshold_policy_key: optionalText,
    threshold_direction: optionalText,
    risk_control: requiredText
  });
  const gates = new Map<string, { line: number; record: SObjectRecord }>();
  for (const rec of readRows(gatesFile, { required: [...Object.keys(GATE_COLUMNS), 'experiment_key'] }) ?? []) {
    const parsed = gateSchema.safeParse(rec.values);
    if (!parsed.success) {
      zodProblems(log, gatesFile, rec, parsed.error);
      continue;
    }
    const row = parsed.data;
    if (gates.has(row.gate_key)) {
      log.add(
        gatesFile,
        rec.line,
        'gate_key',
        `${row.gate_key} is already defined on line ${gates.get(row.gate_key)!.line}`
      );
      continue;
    }
    const at = (column: string) => ({ file: gatesFile, line: rec.line, column });
    const record: SObjectRecord = {};
    for (const [column, field] of Object.entries(GATE_COLUMNS)) {
      setField(log, schema, GATE_OBJECT, record, at(column), field, (row as Record<string, string>)[column] ?? null);
    }
    setField(log, schema, GATE_OBJECT, record, at('gate_key'), GATE_SCOPE_FIELD, PROGRAM_SCOPE);
    let threshold: number | null = null;
    if (row.threshold_policy_key) {
      const n = resolveNumber(`policy:${row.threshold_policy_key}`, policy);
      if ('error' in n) log.add(gatesFile, rec.line, 'threshold_policy_key', n.error);
      else threshold = n.value;
      if (!row.threshold_direction) log.add(gatesFile, rec.line, 'threshold_direction', 'is required with a threshold');
    } else if (row.threshold_direction) {
      log.add(gatesFile, rec.line, 'threshold_direction', 'has no threshold_policy_key to apply to');
    }
    setField(log, schema, GATE_OBJECT, record, at('threshold_policy_key'), GATE_THRESHOLD_FIELD, threshold);
    if (backlogRead && !experiments.has(row.experiment_key) && !badKeys.has(row.experiment_key)) {
      log.add(gatesFile, rec.line, 'experiment_key', `${row.experiment_key} is not in ${FILES.backlog}`);
    }
    record[GATE_EXPERIMENT_RELATIONSHIP] = { [EXPERIMENT_COLUMNS.key]: row.experiment_key };
    gates.set(row.gate_key, { line: rec.line, record });
  }

  if (log.problems.length) return { problems: log.problems };
  return {
    registry: {
      experiments: [...experiments.values()].map((e) => e.record),
      gates: [...gates.values()].map((g) => g.record),
      files: [backlogFile, prioritizedFile, gatesFile].map((f) => log.show(f))
    },
    problems: []
  };
}

/** The registry's records; any problem anywhere is one InputError listing them all, and nothing is returned. */
export function loadRegistry(policy: Policy, options: { projectDir?: string; schema?: Schema } = {}): Registry {
  const checked = checkRegistry(policy, { ...options, throwUnreadable: true });
  if ('registry' in checked) return checked.registry;
  const { problems } = checked;
  const [first] = problems;
  throw new InputError(problems.length === 1 ? formatProblem(first!) : `the registry has ${problems.length} problems`, {
    details:
      problems.length === 1
        ? ['nothing was loaded or written']
        : [...problems.map(formatProblem), 'nothing was loaded or written']
  });
}
