/**
 * The org's copy of the policy: when a command targets an org, its thresholds come from the GTM_Policy__mdt
 * records deployed there (an admin may have tuned them), read with one query and checked like the file.
 */
import { POLICY_FIELDS, POLICY_TYPE } from './customMetadata';
import { parsePolicyFile, Policy, PolicyEntry } from './policy';

/** The one call this needs: a SOQL query returning all records. */
export type QueryAll = (soql: string) => Promise<Record<string, unknown>[]>;

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
  return parsePolicyFile({ version: `org:${orgLabel}`, policies }, `GTM_Policy__mdt in ${orgLabel}`);
}
