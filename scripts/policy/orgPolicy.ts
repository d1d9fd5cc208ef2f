/**
 * The org's copy of the policy: when a command targets an org, its thresholds come from the GTM_Policy__mdt
 * records deployed there (an admin may have tuned them), read with one query and checked against the same schema
 * as the file: a value out of range is refused with the record and field that hold it.
 */
import { POLICY_FIELDS, POLICY_TYPE } from './customMetadata';
import { parsePolicyFile, Policy, PolicyEntry, PolicyIssue } from './policy';
import { REQUIRED } from './schema';

/** The one call this needs: a SOQL query returning all records. */
export type QueryAll = (soql: string) => Promise<Record<string, unknown>[]>;

/** "GTM_Policy__mdt.Expansion_Share_Threshold in acme-prod: Value__c = -0.2: must be a share between 0 and 1" */
export function orgIssue(orgLabel: string): (issue: PolicyIssue) => string {
  return (issue) => {
    const record = issue.key === undefined ? POLICY_TYPE : `${POLICY_TYPE}.${issue.key}`;
    // a value shown without a field is the entry's value (an unknown key shows the value it holds)
    const field =
      issue.key === undefined
        ? undefined
        : issue.field !== undefined
          ? (POLICY_FIELDS[issue.field as keyof PolicyEntry] ?? issue.field)
          : issue.found !== undefined
            ? POLICY_FIELDS.value
            : undefined;
    const subject = [field, issue.found === undefined ? undefined : `= ${issue.found}`].filter(Boolean).join(' ');
    // a key the org has no record for; a field left empty in the record arrives as a missing property
    const message =
      issue.key !== undefined && issue.field === undefined && issue.message.startsWith('is missing')
        ? issue.message.replace(/^is missing/, 'has no record')
        : issue.message === REQUIRED
          ? 'is empty'
          : issue.message;
    return `${record} in ${orgLabel}: ${subject ? `${subject}: ` : ''}${message}`;
  };
}

export async function loadPolicyFromOrg(query: QueryAll, orgLabel: string): Promise<Policy> {
  const fields = Object.values(POLICY_FIELDS);
  const rows = await query(`SELECT DeveloperName, ${fields.join(', ')} FROM ${POLICY_TYPE}`);
  const policies: Record<string, Partial<PolicyEntry>> = {};
  for (const row of rows) {
    const entry: Record<string, unknown> = {};
    for (const [prop, field] of Object.entries(POLICY_FIELDS)) {
      const v = row[field];
      if (v !== null && v !== undefined && v !== '') entry[prop] = String(v);
    }
    policies[String(row.DeveloperName)] = entry as Partial<PolicyEntry>;
  }
  return parsePolicyFile({ version: `org:${orgLabel}`, policies }, `${POLICY_TYPE} in ${orgLabel}`, orgIssue(orgLabel));
}
