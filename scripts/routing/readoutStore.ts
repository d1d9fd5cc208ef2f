/** The readout's rows from the local store's Routing_Assignment__c table (one per PQA signal). */
import type { LocalStore } from '../store/localStore';
import { InputError } from '../lib/errors';
import { ARMS, type Arm, type ReadoutRow } from './readout';

const iso = (column: string) => `strftime(${column}, '%Y-%m-%dT%H:%M:%SZ')`;

export async function readReadoutRows(store: LocalStore): Promise<ReadoutRow[]> {
  const result = await store.db.runAndReadAll(
    `SELECT "Assignment_Key__c" AS key, "Arm__c" AS arm, coalesce("Matched__c", false) AS matched,
            ${iso('"Qualified_At__c"')} AS qualified, ${iso('"Pilot_Started_At__c"')} AS started,
            "SLA_Status__c" AS sla, "Workflow_Result__c" AS workflow, "Workflow_Failure__c" AS failure
       FROM "Routing_Assignment__c" ORDER BY "Assignment_Key__c"`
  );
  const rows: ReadoutRow[] = [];
  for (const r of result.getRowObjects()) {
    const key = String(r.key);
    if (r.qualified === null)
      throw new InputError(
        `Routing_Assignment__c ${key}: Qualified_At__c is empty, so the readout cannot place it in a week (set it to the signal's Qualified_At__c)`
      );
    if (!(ARMS as readonly unknown[]).includes(r.arm))
      throw new InputError(
        `Routing_Assignment__c ${key}: Arm__c ${r.arm === null ? 'is empty' : JSON.stringify(String(r.arm))}; it must be one of ${ARMS.join(', ')}`
      );
    rows.push({
      accountKey: key,
      arm: String(r.arm) as Arm,
      matched: r.matched === true,
      qualifiedAt: String(r.qualified),
      pilotStartedAt: r.started === null ? null : String(r.started),
      slaStatus: r.sla === null ? null : String(r.sla),
      workflowOk: r.workflow === null ? null : r.workflow === 'OK',
      workflowFailure: r.failure === null ? null : String(r.failure)
    });
  }
  return rows;
}
