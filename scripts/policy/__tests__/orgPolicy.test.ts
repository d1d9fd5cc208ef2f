import { InputError } from '../../lib/errors';
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
    ).rejects.toThrow(
      'GTM_Policy__mdt.Expansion_Min_Weekly_Tickets in acme-prod: Value__c = fifty: must be a whole number of tickets from 1 to 999999999'
    );
  });

  it.each(['-0.2', '1.5'])('refuses a share an admin set out of range (%s), naming the record', async (share) => {
    await expect(
      loadPolicyFromOrg(async () => orgRows({ Expansion_Share_Threshold: share }), 'acme-prod')
    ).rejects.toThrow(
      `GTM_Policy__mdt.Expansion_Share_Threshold in acme-prod: Value__c = ${share}: must be a share between 0 and 1`
    );
  });

  it('names a record the org lacks, a record gtm does not know, and an emptied field', async () => {
    const rows = orgRows().filter((r) => r.DeveloperName !== 'Expansion_Mode');
    rows.push({ ...rows[0]!, DeveloperName: 'Surprise_Key' });
    const stage = rows.find((r) => r.DeveloperName === 'Stage_Pilot')!;
    stage[POLICY_FIELDS.value] = null;
    const err = await loadPolicyFromOrg(async () => rows, 'acme-prod').then(
      () => undefined,
      (e: InputError) => e
    );
    expect(err).toBeInstanceOf(InputError);
    expect(err!.message).toBe('GTM_Policy__mdt in acme-prod is not a valid policy: 3 problems');
    expect(err!.details).toEqual(
      expect.arrayContaining([
        'GTM_Policy__mdt.Expansion_Mode in acme-prod: has no record (must be Text: shadow or live)',
        expect.stringMatching(/^GTM_Policy__mdt\.Surprise_Key in acme-prod: Value__c = \d+: is not a known policy key/),
        'GTM_Policy__mdt.Stage_Pilot in acme-prod: Value__c: is empty'
      ])
    );
  });
});
