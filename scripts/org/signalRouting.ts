/**
 * After `gtm pqa sync --target-org` upserts new PQA signals, the org's trigger routes them (GtmRoutingService): this
 * reads back, with one Bulk query, the Routing_Assignment__c of each signal written (Assignment_Key__c is the
 * signal's key) and says per signal what the routing did: the arm, the owner or the escalation, the SLA and the
 * workflow judgement, or that no assignment exists.
 */
import { table } from '../cli/output';
import { OrgError } from '../lib/errors';
import type { QueryRows } from './mirror';

export interface SignalRouting {
  key: string;
  arm: string | null;
  decision: string | null;
  ownerId: string | null;
  queue: string | null;
  slaStatus: string | null;
  slaDueAt: string | null;
  workflow: string | null;
  workflowFailure: string | null;
  reason: string | null;
}

const FIELDS = [
  'Assignment_Key__c',
  'Arm__c',
  'Decision__c',
  'Assigned_Owner__c',
  'Fallback_Queue__c',
  'SLA_Status__c',
  'SLA_Due_At__c',
  'Workflow_Result__c',
  'Workflow_Failure__c',
  'Decision_Reason__c'
] as const;

/** A SOQL string literal (a key may hold a quote or a backslash). */
const soqlText = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The assignments of the signals, by signal key; a signal the org has not routed is absent. */
export async function readSignalRouting(
  query: QueryRows,
  orgName: string,
  signalKeys: readonly string[]
): Promise<Map<string, SignalRouting>> {
  const out = new Map<string, SignalRouting>();
  if (!signalKeys.length) return out;
  const soql = `SELECT ${FIELDS.join(', ')} FROM Routing_Assignment__c WHERE Assignment_Key__c IN (${signalKeys.map(soqlText).join(', ')})`;
  try {
    await query(soql, (header, rows) => {
      const at = FIELDS.map((f) => header.findIndex((h) => h.toLowerCase() === f.toLowerCase()));
      const missing = FIELDS.filter((_, i) => at[i]! < 0);
      if (missing.length)
        throw new OrgError(`${orgName}: the org's answer for Routing_Assignment__c has no ${missing.join(', ')}`);
      for (const values of rows) {
        const v = (i: number) => (values[at[i]!] ?? '') || null;
        const key = v(0)!;
        out.set(key, {
          key,
          arm: v(1),
          decision: v(2),
          ownerId: v(3),
          queue: v(4),
          slaStatus: v(5),
          slaDueAt: v(6),
          workflow: v(7),
          workflowFailure: v(8),
          reason: v(9)
        });
      }
    });
  } catch (err) {
    if (err instanceof OrgError) throw err;
    throw new OrgError(
      `${orgName}: the signals were written, but their routing cannot be read back: ${(err as Error).message}`
    );
  }
  return out;
}

/** What the routing did with one signal, in words. */
export function routingOutcome(r: SignalRouting | undefined): string {
  if (!r) return 'no assignment yet (the trigger did not route it: check the PQA_Signal__c trigger and routing rules)';
  if (r.arm !== 'Treatment') return `${r.arm ?? 'no arm'}: business as usual, routed in shadow`;
  if (r.decision === 'Fallback') return `escalated to ${r.queue ?? 'the fallback queue'} (${r.reason ?? 'no reason'})`;
  return `owner ${r.ownerId ?? '(none)'} (${r.reason ?? 'no reason'})`;
}

/** The per-signal table: signal, arm, routing, SLA due, workflow. */
export function signalRoutingTable(signalKeys: readonly string[], routed: Map<string, SignalRouting>): string {
  return table(
    signalKeys.map((key) => {
      const r = routed.get(key);
      return [
        key,
        r?.arm ?? '-',
        routingOutcome(r),
        r?.slaStatus ? `${r.slaStatus}${r.slaDueAt ? `, due ${r.slaDueAt}` : ''}` : '-',
        r?.workflow ? `${r.workflow}${r.workflowFailure ? `: ${r.workflowFailure}` : ''}` : '-'
      ];
    }),
    ['signal', 'arm', 'routing', 'SLA', 'workflow']
  );
}
