/**
 * What `gtm pqa sync --target-org` says after the org's trigger routed the signals it wrote: the assignments read
 * back with one Bulk query job (against the Bulk API 2.0 double), per signal the arm and the owner or escalation.
 */
import { readSignalRouting, routingOutcome, signalRoutingTable } from '../signalRouting';
import { startFakeOrg, type FakeOrg } from './orgDouble';

let org: FakeOrg | undefined;
afterEach(async () => {
  await org?.double.close();
  org = undefined;
});

const assignment = (key: string, fields: Record<string, string | null>) => ({
  Name: key,
  Assignment_Key__c: key,
  Arm__c: 'Treatment',
  Decision__c: 'Pool',
  Assigned_Owner__c: null,
  Fallback_Queue__c: null,
  SLA_Status__c: 'Pending',
  SLA_Due_At__c: '2026-03-10T19:00:00.000Z',
  Workflow_Result__c: 'OK',
  Workflow_Failure__c: null,
  Decision_Reason__c: 'lowest load 0.0000 = (0 - 0) / 1',
  ...fields
});

describe('readSignalRouting', () => {
  it('reads the written signals\u2019 assignments in one query job and says what the routing did with each', async () => {
    org = await startFakeOrg();
    org.double.seed('Routing_Assignment__c', [
      assignment('acme|2026-W11', { Assigned_Owner__c: '005REP1' }),
      assignment("o'hara|2026-W11", {
        Decision__c: 'Fallback',
        Fallback_Queue__c: 'PQA_Fallback',
        SLA_Status__c: 'Escalated',
        SLA_Due_At__c: null,
        Workflow_Result__c: 'Failed',
        Workflow_Failure__c: 'escalated to the fallback queue PQA_Fallback: no eligible member, so no owner Task',
        Decision_Reason__c: 'no eligible member'
      }),
      assignment('globex|2026-W11', {
        Arm__c: 'Control',
        SLA_Status__c: null,
        SLA_Due_At__c: null,
        Workflow_Result__c: null,
        Decision_Reason__c: 'control, business as usual: would have gone to 005REP1 (lowest load)'
      }),
      // another signal's assignment, not written by this sync: not read
      assignment('initech|2026-W10', { Assigned_Owner__c: '005REP2' })
    ]);
    org.double.clearCalls();
    const keys = ['acme|2026-W11', "o'hara|2026-W11", 'globex|2026-W11', 'umbrella|2026-W11'];
    const routed = await readSignalRouting(org.sink.queryRows, 'test-org', keys);

    expect(org.double.calls.filter((c) => c.kind === 'query.create')).toHaveLength(1);
    expect([...routed.keys()].sort()).toEqual(['acme|2026-W11', 'globex|2026-W11', "o'hara|2026-W11"]);
    expect(keys.map((k) => routingOutcome(routed.get(k)))).toEqual([
      'owner 005REP1 (lowest load 0.0000 = (0 - 0) / 1)',
      'escalated to PQA_Fallback (no eligible member)',
      'Control: business as usual, routed in shadow',
      'no assignment yet (the trigger did not route it: check the PQA_Signal__c trigger and routing rules)'
    ]);
    const text = signalRoutingTable(keys, routed);
    expect(text).toContain('Failed: escalated to the fallback queue PQA_Fallback');
    expect(text).toMatch(/acme\|2026-W11 +Treatment +owner 005REP1 .* Pending, due 2026-03-10T19:00:00/);
  });

  it('asks nothing when no signal was written', async () => {
    org = await startFakeOrg();
    org.double.clearCalls();
    expect((await readSignalRouting(org.sink.queryRows, 'test-org', [])).size).toBe(0);
    expect(org.double.calls).toEqual([]);
  });
});
