/** Temp run files and a temp local store with one deal, for the audit tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { LocalStore } from '../../store/localStore';
import { insertRecord } from '../../workbench/controllers/storeAccess';
import { promptHash, type SampleCase, type SampleRunSpec } from '../sampleRuns';

export const MODEL = 'openai:gpt-4.1-2025-04-14';
export const PROMPT = 'Answer only from the help-center articles; hand off when unsure.';

export function spec(runId: string, cases: SampleCase[], timestamp = '2026-06-10T09:00:00.000Z'): SampleRunSpec {
  return {
    runId,
    timestamp,
    model: MODEL,
    promptText: PROMPT,
    judge: 'openai:gpt-4.1-mini',
    dataset: 'Acme tickets May 2026',
    cases
  };
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-audit-'));
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value, null, 1));
  return file;
}

export async function storeWithDeal(
  file: string,
  deal: { fallbackTestedAt?: string | null; closeDate?: string } = {}
): Promise<{ store: LocalStore; opportunityId: string }> {
  const store = await LocalStore.open(file, loadSchema());
  const accountId = await insertRecord(store, 'Account', { Name: 'Acme Outfitters' });
  const opportunityId = await insertRecord(store, 'Opportunity', {
    Name: 'Acme Outfitters - Copilot Pilot',
    AccountId: accountId,
    StageName: 'Pilot',
    CloseDate: deal.closeDate ?? '2026-06-30',
    Deployed_Model__c: MODEL,
    Deployed_Prompt_Version__c: promptHash(PROMPT)
  });
  await insertRecord(store, 'GTM_Launch_Gate__c', {
    Gate_Key__c: `gate-hallucination-audit:${opportunityId}`,
    Name: 'Hallucination audit - Acme',
    Opportunity__c: opportunityId,
    Fallback_Type__c: 'Human handoff',
    Fallback_Tested_At__c: deal.fallbackTestedAt === undefined ? '2026-06-01' : deal.fallbackTestedAt
  });
  return { store, opportunityId };
}
