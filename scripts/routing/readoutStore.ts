/** The readout's rows from the local store's Routing_Assignment__c table (one per PQA signal). */
import type { LocalStore } from '../store/localStore';
import type { Arm, ReadoutRow } from './readout';

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
      throw new Error(`Routing_Assignment__c ${key} has no Qualified_At__c: the readout cannot place it`);
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
