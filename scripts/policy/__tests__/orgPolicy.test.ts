import { POLICY_FIELDS } from '../customMetadata';
import { loadPolicyFromOrg } from '../orgPolicy';
import { loadPolicyFile } from '../policy';

const file = loadPolicyFile();

/** What the org returns for the deployed records, optionally with one value tuned by an admin. */
function orgRows(tuned: Record<string, string> = {}) {
  return file.keys().map((key) => {
    const e = file.entry(key);
    const row: Record<string, unknown> = { attributes: { type: 'GTM_Policy__mdt' }, DeveloperName: key };
    for (const [prop, field] of Object.entries(POLICY_FIELDS))
      row[field] = (e as Record<string, unknown>)[prop] ?? null;
    if (tuned[key]) row[POLICY_FIELDS.value] = tuned[key];
    return row;
  });
}

describe("the org's policy", () => {
  it('is read with one query and gives the same values as the file when nobody tuned it', async () => {
    const queries: string[] = [];
    const p = await loadPolicyFromOrg(async (q) => (queries.push(q), orgRows()), 'acme-prod');
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatch(/^SELECT DeveloperName, Value__c, .* FROM GTM_Policy__mdt$/);
    for (const key of file.keys()) expect(p.entry(key)).toEqual(file.entry(key));
    expect(p.origin).toBe('GTM_Policy__mdt in acme-prod');
  });

  it("uses the org's tuned value over the file's", async () => {
    const p = await loadPolicyFromOrg(async () => orgRows({ Expansion_Share_Threshold: '0.45' }), 'acme-prod');
    expect(p.decimal('Expansion_Share_Threshold')).toBe('0.45');
  });

  it('rejects a record an admin broke, naming it', async () => {
    await expect(
      loadPolicyFromOrg(async () => orgRows({ Expansion_Min_Weekly_Tickets: 'fifty' }), 'acme-prod')
    ).rejects.toThrow(/GTM_Policy__mdt in acme-prod is not a valid policy file/);
  });
});
