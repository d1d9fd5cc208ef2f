/**
 * `policy`: policy/gtm-policy.json passes the policy schema (every key known, typed and in range), the
 * GTM_Policy__mdt records in force-app say the same, list values name picklist values force-app defines, and the
 * registry (data/*.csv) is valid against that policy: what `gtm deploy --dry-run` and the usage sync would refuse.
 */
import * as fs from 'node:fs';
import { GtmError, type Problem } from '../../lib/errors';
import { displayPath, projectPaths } from '../../lib/paths';
import { loadSchema, type Schema } from '../../metadata/schema';
import { policyRecordDiffs } from '../../policy/customMetadata';
import { duplicateKeyProblems, jsonSyntaxError, parsePolicyFile, type Policy } from '../../policy/policy';
import {
  checkPolicyDocument,
  describePolicyIssue,
  listItems,
  POLICY_RULES,
  type PolicyIssue
} from '../../policy/schema';
import { checkRegistry } from '../../registry/registry';
import type { Check } from '../types';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Where `"name":` starts in a text, at or after `from`; -1 when absent. */
function propertyAt(text: string, name: string, from = 0): number {
  const at = text.slice(from).search(new RegExp(`"${escape(name)}"\\s*:`));
  return at < 0 ? -1 : from + at;
}
const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/** The line of a key's entry (or of one of its fields) in the policy file's text, for editors. */
export function issueLine(text: string, issue: PolicyIssue): number | undefined {
  const field = issue.field?.split('.')[0];
  if (issue.key === undefined) {
    const at = field === undefined ? -1 : propertyAt(text, field);
    return at < 0 ? undefined : lineOf(text, at);
  }
  const keyAt = propertyAt(text, issue.key);
  if (keyAt < 0) return undefined;
  if (field) {
    // the field inside this entry: before the entry's closing brace
    const end = text.indexOf('}', keyAt);
    const fieldAt = propertyAt(text, field, keyAt);
    if (fieldAt >= 0 && (end < 0 || fieldAt < end)) return lineOf(text, fieldAt);
  }
  return lineOf(text, keyAt);
}

/** List values that must be picklist values of a field in force-app (a segment, a collateral type). */
function picklistProblems(policy: Policy, schema: Schema, file: string, text: string): Problem[] {
  const problems: Problem[] = [];
  for (const [key, rule] of Object.entries(POLICY_RULES)) {
    if (!rule.picklist || !schema.hasField(rule.picklist.object, rule.picklist.field)) continue;
    const { object, field } = rule.picklist;
    const values = schema.field(object, field).picklistValues;
    for (const item of listItems(policy.entry(key).value)) {
      if (!values.includes(item)) {
        const issue: PolicyIssue = {
          key,
          field: 'value',
          found: item,
          message: `is not a value of ${object}.${field} (${values.join(', ')})`
        };
        problems.push({ file, line: issueLine(text, issue), message: describePolicyIssue(issue) });
      }
    }
  }
  return problems;
}

export const policyCheck: Check = {
  name: 'policy',
  description: 'policy file in range, GTM_Policy__mdt records agree, registry data valid',
  async run({ projectDir }) {
    const paths = projectPaths(projectDir);
    const file = displayPath(paths.policyFile, projectDir);
    let text: string;
    try {
      text = fs.readFileSync(paths.policyFile, 'utf8');
    } catch {
      return [{ file, message: 'missing: the program policy (every threshold) is read from this file' }];
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      const { line, column, reason } = jsonSyntaxError(text, err);
      return [{ file, line, column, message: `not valid JSON: ${reason}` }];
    }
    // a key written twice (JSON keeps the last without a word), then every key against the schema
    const problems: Problem[] = duplicateKeyProblems(text).map((d) => ({ file, ...d }));
    const checked = checkPolicyDocument(raw);
    if (!('file' in checked)) {
      for (const issue of checked.issues)
        problems.push({ file, line: issueLine(text, issue), message: describePolicyIssue(issue) });
    }
    if (problems.length) return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const policy = parsePolicyFile(raw, file);
    try {
      for (const d of policyRecordDiffs(policy, projectDir)) {
        problems.push({
          file: displayPath(d.file, projectDir),
          message: `${d.message} (run: npx gtm policy write-metadata)`
        });
      }
      const schema = loadSchema(projectDir);
      problems.push(...picklistProblems(policy, schema, file, text));
      if (fs.existsSync(paths.data)) {
        const registry = checkRegistry(policy, { projectDir, schema });
        problems.push(...registry.problems);
      } else {
        problems.push({ file: displayPath(paths.data, projectDir), message: 'missing: the experiment registry' });
      }
    } catch (err) {
      // a record or an object definition that cannot be read: reported here, and by metadata-xml in detail
      if (!(err instanceof GtmError)) throw err;
      problems.push({ file: 'force-app', message: err.message });
    }
    return problems;
  }
};
