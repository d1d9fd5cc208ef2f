/**
 * The one schema of the policy file: every key the program knows, with its type and the range of values the code
 * reading it can handle. A key the schema does not know is an error, so a new key gets its range when it is added.
 * The ranges follow what reads each value (scripts/ and the Apex twins in force-app):
 * - shares and rates are decimals in [0, 1] (a weekly AI resolution share, a false-positive rate, a scorecard
 *   score); the rules compare them exactly at a fixed number of digits, so some also limit their decimal places
 * - counts, days and weeks are positive whole numbers, at most what the field they are copied to can hold
 * - stage names are non-empty Opportunity stage names, enums are closed, dates are real calendar dates
 * - lists hold at least one value (each rule that reads one needs a value to match), without blanks or repeats
 * Every value in the file is text (GTM_Policy__mdt.Value__c is a Text field); the rule reads it as written.
 */
import { z } from 'zod';
import { isIsoDate } from '../metadata/recordCheck';

export const POLICY_TYPES = ['Number', 'Integer', 'Text', 'Boolean', 'Date', 'List'] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];
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

/** What one key may hold. `allowed` completes "must be ..." in messages. */
export interface PolicyRule {
  type: PolicyType;
  allowed: string;
  /** the value text is valid */
  test(value: string): boolean;
  /** a list whose items must be values of this picklist in force-app (checked by `gtm validate`) */
  picklist?: { object: string; field: string };
}

const UNSIGNED_DECIMAL = /^\d+(\.\d+)?$/;
const UNSIGNED_INTEGER = /^\d+$/;
/** Apex Integer: GtmPolicy.getInteger reads every Integer value into one. */
const APEX_INTEGER_MAX = 2_147_483_647;
/** Ten years: a longer day count is a typo, and Date arithmetic far out of range fails at run time. */
const MAX_DAYS = 3650;
/** Opportunity.StageName holds 40 characters. */
const STAGE_NAME_LENGTH = 40;

const decimalPlaces = (v: string) => (v.split('.')[1] ?? '').length;

export function listItems(value: string): string[] {
  return value.split(';').map((s) => s.trim());
}

/** A decimal in [0, 1]; `places` when the rule (or the field it is copied to) compares at that many digits. */
function share(places?: number): PolicyRule {
  return {
    type: 'Number',
    allowed: `a share between 0 and 1${places === undefined ? '' : ` with at most ${places} decimal places`}`,
    test: (v) => UNSIGNED_DECIMAL.test(v) && Number(v) <= 1 && (places === undefined || decimalPlaces(v) <= places)
  };
}

/** A relative improvement: 0.15 is 15 percent; above 0 (a zero lift would scale anything). */
function lift(): PolicyRule {
  return {
    type: 'Number',
    allowed: 'a relative lift greater than 0 (0.15 = 15 percent)',
    test: (v) => UNSIGNED_DECIMAL.test(v) && Number(v) > 0
  };
}

function wholeNumber(noun: string, max: number): PolicyRule {
  return {
    type: 'Integer',
    allowed: `a whole number of ${noun} from 1 to ${max}`,
    test: (v) => UNSIGNED_INTEGER.test(v) && Number(v) >= 1 && Number(v) <= max
  };
}

const count = (noun: string, max = APEX_INTEGER_MAX) => wholeNumber(noun, max);
const days = () => wholeNumber('days', MAX_DAYS);
const weeks = (max: number) => wholeNumber('weeks', max);

function stage(): PolicyRule {
  return {
    type: 'Text',
    allowed: `an Opportunity stage name (1 to ${STAGE_NAME_LENGTH} characters, no leading or trailing spaces)`,
    test: (v) => v.length >= 1 && v.length <= STAGE_NAME_LENGTH && v.trim() === v
  };
}

function oneOf(...values: string[]): PolicyRule {
  return {
    type: 'Text',
    allowed: values.length === 2 ? `${values[0]} or ${values[1]}` : `one of ${values.join(', ')}`,
    test: (v) => values.includes(v)
  };
}

function text(): PolicyRule {
  return { type: 'Text', allowed: 'text that is not blank', test: (v) => v.trim() !== '' };
}

function date(): PolicyRule {
  return { type: 'Date', allowed: 'a calendar date written YYYY-MM-DD', test: isIsoDate };
}

function flag(): PolicyRule {
  return { type: 'Boolean', allowed: 'true or false', test: (v) => v === 'true' || v === 'false' };
}

/** One or more values separated by semicolons, none blank or repeated. */
function list(picklist?: PolicyRule['picklist']): PolicyRule {
  return {
    type: 'List',
    allowed: 'a list of one or more values separated by semicolons, none blank or repeated',
    test: (v) => {
      const items = listItems(v);
      return items.every((i) => i !== '') && new Set(items).size === items.length;
    },
    picklist
  };
}

/** Every policy key, its type and its range. Keep in step with policy/gtm-policy.json. */
export const POLICY_RULES: Readonly<Record<string, PolicyRule>> = {
  Program_Start_Date: date(),
  Program_Length_Days: days(),
  Pilot_Start_Rate_Baseline: share(),
  Pilot_Start_Rate_Target: share(),
  Pilot_Conversion_Baseline: share(),
  Pilot_Conversion_Target: share(),
  Activation_Days_Baseline: days(),
  Activation_Days_Target: days(),
  Security_Review_Days_Baseline: days(),
  Security_Review_Days_Target: days(),
  Logo_Churn_Baseline: share(),
  Logo_Churn_Target: share(),
  Scale_Min_Relative_Lift: lift(),
  Exp001_Expand_Min_Lift: lift(),
  Exp001_Target_Account_Count: count('accounts'),
  Workflow_Reliability_Min: share(),
  // exp-001 PQA routing (issue 17)
  Exp001_Eligible_Segments: list({ object: 'Account', field: 'GTM_Segment__c' }),
  Pqa_Min_Ai_Resolved_Week: count('tickets'),
  Pqa_Min_Active_Agents: count('agents'),
  Pqa_Cooldown_Days: days(),
  Exp001_Salt: text(),
  Exp001_Treatment_Pct: wholeNumber('percent', 99),
  Exp001_Holdout_Pct: wholeNumber('percent', 99),
  Routing_Window_Days: days(),
  Exp001_First_Touch_Sla_Hours: wholeNumber('business hours', 720),
  Exp001_Sla_Warning_Pct: wholeNumber('percent', 99),
  Exp001_Sla_Reassign_Multiple: wholeNumber('times the SLA', 10),
  Exp001_Any_Touch_Counts: flag(),
  Exp001_Reliability_Minutes: count('minutes', 1440),
  Exp001_Outcome_Window_Days: days(),
  Exp001_Expand_Min_Probability: share(),
  Exp001_Rescope_Min_Probability: share(),
  Exp001_Min_Sla_Attainment: share(),
  Exp001_Srm_Alpha: share(),
  Exp001_Confidence: share(),
  Exp001_Alpha: share(),
  Exp001_Test_Sides: wholeNumber('sides (1 or 2)', 2),
  Exp001_Power: share(),
  // copied to Expansion_Trigger__c.Share_Threshold__c (scale 6)
  Expansion_Share_Threshold: share(6),
  // Expansion_Trigger__c.Min_Weekly_Tickets__c holds 9 digits
  Expansion_Min_Weekly_Tickets: count('tickets', 999_999_999),
  // Expansion_Trigger__c.Required_Weeks__c holds 2 digits, Cooldown_Weeks__c 3
  Expansion_Consecutive_Weeks: weeks(99),
  Expansion_Cooldown_Weeks: weeks(999),
  Expansion_Mode: oneOf('shadow', 'live'),
  Expansion_Max_False_Positive_Rate: share(),
  Expansion_Backtest_Min_Sample: count('labelled triggers'),
  Expansion_Outcome_Window_Days: days(),
  Usage_Max_Reject_Rate: share(),
  Pilot_Scorecard_Completion_Days: days(),
  // the readiness rule compares scores at 4 digits (SCORE_SCALE)
  Pilot_Ready_Min_Score: share(4),
  Security_Required_Collateral: list({ object: 'Trust_Collateral__c', field: 'Collateral_Type__c' }),
  Enterprise_Segments: list({ object: 'Account', field: 'GTM_Segment__c' }),
  // the readiness rule compares rates at 6 digits (GTM_Launch_Gate__c.Measured_Value__c)
  Hallucination_Max_Rate: share(6),
  Hallucination_Min_Sample: count('responses'),
  Hallucination_Gate_Basis: oneOf('point', 'upper_bound'),
  Hallucination_Audit_Max_Age_Days: days(),
  Hallucination_Audit_Pool_Days: days(),
  Hallucination_Unstable_As_Fail: flag(),
  Hallucination_Category_Min_Sample: count('responses'),
  Hallucination_Audit_Passing_Items: count('cases', 10_000),
  Audit_Max_Error_Rate: share(),
  Stage_Pilot: stage(),
  Stage_Proposal: stage(),
  Stage_Production_Approval: stage(),
  Stage_Closed_Won: stage(),
  Expansion_Outcome_Opportunity_Types: list(),
  Expansion_Playbook: text(),
  Expansion_Task_Due_Days: days(),
  // how many weeks the Account panel charts
  Expansion_Chart_Weeks: weeks(520),
  Gate_Bypass_Proposal_Collateral: flag(),
  Gate_Bypass_Production_Readiness: flag(),
  // gtm events (tracking plan): validate-only days for a new source, clock skew, violation rate
  Events_Validate_Only_Days: days(),
  Events_Future_Tolerance_Minutes: count('minutes', 1440),
  Events_Max_Violation_Rate: share(),
  // program cockpit (issue 19): KPI windows and minimum n, readout significance and validity
  Pilot_Conversion_Window_Days: days(),
  Logo_Churn_Window_Days: days(),
  Kpi_Min_N: count('subjects'),
  Readout_Alpha: share(),
  Readout_Power: share(),
  Readout_Interim_Alpha: share(),
  Readout_Srm_Alpha: share(),
  Readout_Max_Stale_Days: days(),
  Readout_Guardrail_Min_Probability: share(),
  // exp-008 onboarding (issue 18): activation threshold and window, chase and at-risk timing, support-burden window
  Activation_Min_Ai_Resolved: count('tickets'),
  Activation_Window_Days: days(),
  Onboarding_Chase_Business_Days: wholeNumber('business days', 30),
  Onboarding_At_Risk_Check_Day: days(),
  Onboarding_Guardrail_Days: days(),
  // the rollout audit (issue 19, phase 3): data quality, handoff reliability, support burden
  Rollout_Audit_Window_Days: days(),
  Rollout_Audit_Max_Reject_Rate: share(),
  Rollout_Audit_Stale_Source_Days: days(),
  Rollout_Audit_Max_Step_Slip_Rate: share(),
  Rollout_Audit_Max_Support_Rise: share()
};

/** Keys whose values must differ from each other: the gates tell the stages apart by name. */
const DISTINCT_GROUPS: readonly (readonly string[])[] = [
  ['Stage_Pilot', 'Stage_Proposal', 'Stage_Production_Approval', 'Stage_Closed_Won']
];

export const REQUIRED = 'is required';
/** A string field; a missing one is "required", another JSON type is named. */
const text255 = (wrongType = 'must be text') =>
  z
    .string({ error: (iss) => (iss.input === undefined ? REQUIRED : wrongType) })
    .max(255, 'is longer than 255 characters');

const entryFields = {
  value: text255('must be written as text in quotes, e.g. "0.40"'),
  type: z.enum(POLICY_TYPES, {
    error: (iss) => (iss.input === undefined ? REQUIRED : `must be one of ${POLICY_TYPES.join(', ')}`)
  }),
  category: z.enum(POLICY_CATEGORIES, {
    error: (iss) => (iss.input === undefined ? REQUIRED : `must be one of ${POLICY_CATEGORIES.join(', ')}`)
  }),
  unit: z.string().max(40, 'is longer than 40 characters').optional(),
  experiment: z
    .string()
    .regex(/^exp-\d{3}$/, 'must look like exp-001')
    .optional(),
  source: text255().min(1, REQUIRED),
  description: text255().min(1, REQUIRED)
};

/** The entry of one key: the common fields, its type, and its value in range. */
function entrySchema(rule: PolicyRule) {
  return z
    .object({
      ...entryFields,
      type: z.literal(rule.type, { error: (iss) => (iss.input === undefined ? REQUIRED : `must be ${rule.type}`) }),
      value: entryFields.value.refine(rule.test, `must be ${rule.allowed}`)
    })
    .strict();
}

export const PolicyEntrySchema = z.object(entryFields).strict();
export type PolicyEntry = z.infer<typeof PolicyEntrySchema>;

/** Edit distance between two keys, case-insensitive (a typo's distance from the key meant). */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[y.length]!;
}

/** The known key a typo most likely meant: within 3 edits (or differing only in case), else none. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

export const UNKNOWN_KEY = 'is not a known policy key (add it with its type and range to scripts/policy/schema.ts)';
const ENTRY_EXTRA = 'is not a field of a policy entry';

export const PolicyFileSchema = z
  .object({
    version: z.string({ error: 'must be text' }).min(1, 'is required'),
    policies: z
      .record(z.string(), z.unknown(), { error: 'must be an object of policy entries' })
      .superRefine((policies, ctx) => {
        const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
        for (const [key, raw] of Object.entries(policies)) {
          const rule = POLICY_RULES[key];
          if (!rule) {
            const near = nearestKey(key, Object.keys(POLICY_RULES));
            issue([key], near ? `is not a known policy key; did you mean ${near}?` : UNKNOWN_KEY);
            continue;
          }
          const parsed = entrySchema(rule).safeParse(raw);
          if (parsed.success) continue;
          for (const i of parsed.error.issues) {
            if (i.code === 'unrecognized_keys') for (const k of i.keys) issue([key, k], ENTRY_EXTRA);
            else issue([key, ...i.path], i.message);
          }
        }
        for (const [key, rule] of Object.entries(POLICY_RULES)) {
          if (!(key in policies)) issue([key], `is missing (must be ${rule.type}: ${rule.allowed})`);
        }
        for (const group of DISTINCT_GROUPS) {
          const seen = new Map<string, string>();
          for (const key of group) {
            const v = (policies[key] as { value?: unknown } | undefined)?.value;
            if (typeof v !== 'string') continue;
            const other = seen.get(v);
            if (other) issue([key, 'value'], `must differ from ${other}`);
            else seen.set(v, key);
          }
        }
      })
  })
  .strict();

export interface PolicyFile {
  version: string;
  policies: Record<string, PolicyEntry>;
}

/** One problem with a policy: which key and which of its fields, the value found, and what is wrong. */
export interface PolicyIssue {
  /** the policy key; undefined for the file's own fields */
  key?: string;
  /** an entry field (value, type, ...) or a top-level field of the file (version) */
  field?: string;
  /** the text found, when there was one */
  found?: string;
  message: string;
}

function at(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function shown(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v === '' || v.trim() !== v ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** Checks a parsed policy document against the schema: the valid file, or every problem with it. */
export function checkPolicyDocument(raw: unknown): { file: PolicyFile; issues: [] } | { issues: PolicyIssue[] } {
  const parsed = PolicyFileSchema.safeParse(raw);
  if (parsed.success) return { file: parsed.data as PolicyFile, issues: [] };
  const issues: PolicyIssue[] = [];
  for (const issue of parsed.error.issues) {
    // the root object is strict: its unknown fields arrive as one issue listing them
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of paths) {
      if (path[0] === 'policies' && path.length >= 2) {
        const field = path.length >= 3 ? path.slice(2).map(String).join('.') : undefined;
        // an unknown key shows its value; a missing key has none
        const found = shown(at(raw, field === undefined ? [...path, 'value'] : path));
        issues.push({ key: String(path[1]), field, found, message: issue.message });
      } else {
        const field = path.map(String).join('.') || undefined;
        const message =
          issue.code === 'unrecognized_keys'
            ? 'is not a field of the policy file (it has version and policies)'
            : field === undefined
              ? 'must be an object with version and policies'
              : issue.message;
        issues.push({ field, found: field === 'version' ? shown(at(raw, path)) : undefined, message });
      }
    }
  }
  return { issues };
}

/** "Expansion_Share_Threshold = -0.2: must be a share between 0 and 1" (no origin; callers add it). */
export function describePolicyIssue(issue: PolicyIssue): string {
  const name = [issue.key, issue.field && !(issue.key && issue.field === 'value') ? issue.field : undefined]
    .filter(Boolean)
    .join('.');
  const where = name || '(file)';
  return issue.found === undefined ? `${where}: ${issue.message}` : `${where} = ${issue.found}: ${issue.message}`;
}
