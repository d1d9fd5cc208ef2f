import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../lib/errors';
import { loadPolicyFile } from '../../policy/policy';
import { editFile, makeTempProject, removeTempProject } from '../../test-support/tempProject';
import { loadRegistry, programWeekEnd, renderPolicyTemplate } from '../registry';

const policy = loadPolicyFile();

/** Loads a temp project's registry after an edit; returns the InputError it throws. */
function loadBroken(edit: (dir: string) => void): InputError {
  const dir = makeTempProject(['force-app', 'data']);
  try {
    edit(dir);
    loadRegistry(policy, { projectDir: dir });
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  } finally {
    removeTempProject(dir);
  }
  throw new Error('expected the registry to be rejected');
}

describe('experiment registry', () => {
  const registry = loadRegistry(policy);
  const byKey = new Map(registry.experiments.map((e) => [e.Experiment_Key__c, e]));

  it('holds the six experiments of the seed', () => {
    expect([...byKey.keys()].sort()).toEqual(['exp-001', 'exp-002', 'exp-003', 'exp-005', 'exp-006', 'exp-008']);
  });

  it('takes baselines and targets from the policy, not from literals', () => {
    expect(byKey.get('exp-001')).toMatchObject({
      Baseline_Value__c: policy.number('Pilot_Start_Rate_Baseline'),
      Target_Value__c: policy.number('Pilot_Start_Rate_Target')
    });
    expect(byKey.get('exp-002')).toMatchObject({
      Baseline_Value__c: policy.number('Security_Review_Days_Baseline'),
      Target_Value__c: policy.number('Security_Review_Days_Target')
    });
    expect(byKey.get('exp-006')?.Baseline_Value__c).toBeNull();
  });

  it('renders policy values into decision rules and normalizes picklist spelling', () => {
    const rule = String(byKey.get('exp-001')?.Decision_Rule__c);
    expect(rule).toContain(`+${Number(policy.decimal('Exp001_Expand_Min_Lift')) * 100}%`);
    expect(rule).toContain(`${policy.integer('Exp001_Target_Account_Count')} target accounts`);
    for (const e of registry.experiments) expect(String(e.Decision_Rule__c)).not.toMatch(/[{}]/);
    expect(byKey.get('exp-001')?.Status__c).toBe('Running');
  });

  it('dates decisions at the end of the decision week and ranks the prioritized bets', () => {
    expect(byKey.get('exp-005')?.Decision_Date__c).toBe(programWeekEnd(policy, 12));
    expect(programWeekEnd(policy, 1)).toBe('2026-03-08');
    expect(byKey.get('exp-001')?.Priority_Rank__c).toBe(1);
    expect(byKey.get('exp-006')?.Priority_Rank__c).toBe(5);
    expect(byKey.get('exp-002')?.Priority_Rank__c).toBeNull();
  });

  it('defines the four launch gates with thresholds from the policy', () => {
    const gates = new Map(registry.gates.map((g) => [g.Gate_Key__c, g]));
    expect([...gates.keys()].sort()).toEqual([
      'gate-fallback-path',
      'gate-hallucination-audit',
      'gate-pilot-scorecard',
      'gate-security-collateral'
    ]);
    expect(gates.get('gate-hallucination-audit')).toMatchObject({
      Threshold__c: policy.number('Hallucination_Max_Rate'),
      Threshold_Direction__c: 'At most',
      Scope__c: 'Program',
      Experiment__r: { Experiment_Key__c: 'exp-006' }
    });
    expect(gates.get('gate-fallback-path')?.Threshold__c).toBeNull();
  });
});

describe('renderPolicyTemplate', () => {
  it('writes percentages from the exact decimal text', () => {
    expect(renderPolicyTemplate('{Expansion_Share_Threshold:%} / {Usage_Max_Reject_Rate:%}', policy).text).toBe(
      '40% / 1%'
    );
    expect(renderPolicyTemplate('{Nope}', policy).unknown).toEqual(['Nope']);
  });
});

describe('a malformed registry', () => {
  it('names file, line and field for a bad number', () => {
    const err = loadBroken((dir) =>
      editFile(dir, 'data/experiment-backlog.csv', 'policy:Security_Review_Days_Baseline', 'twenty-eight')
    );
    expect(err.message).toBe(
      'data/experiment-backlog.csv:3 [baseline]: "twenty-eight" is not a number or policy:<Key>'
    );
    expect(err.details).toContain('nothing was loaded or written');
  });

  it('names the allowed values for a bad picklist value', () => {
    const err = loadBroken((dir) => editFile(dir, 'data/experiment-backlog.csv', ',running,1,2,5,', ',paused,1,2,5,'));
    expect(err.message).toMatch(
      /^data\/experiment-backlog.csv:2 \[status\]: "paused" is not a value of Status__c \(allowed: Proposed, Running, Hold, Scale, Kill, Adopted\)/
    );
  });

  it('reports an unquoted comma with its line', () => {
    const err = loadBroken((dir) =>
      editFile(dir, 'data/launch-gates.csv', 'Fallback path,Fallback Path', 'Fallback, path,Fallback Path')
    );
    expect(err.message).toMatch(/^data\/launch-gates.csv:3: not valid CSV: the row has a different number of values/);
  });

  it('reports a missing column on line 1', () => {
    const err = loadBroken((dir) =>
      editFile(dir, 'data/experiment-backlog.csv', 'key,name,workstream', 'id,name,workstream')
    );
    expect(err.message).toBe('data/experiment-backlog.csv:1: missing column key');
  });

  it('lists every problem when there are several, each with file, line and field', () => {
    const err = loadBroken((dir) => {
      editFile(dir, 'data/experiment-backlog.csv', ',proposed,3,9,12,', ',proposed,3,9,14,');
      editFile(dir, 'data/prioritized-experiments.csv', '5,exp-006', '5,exp-099');
      editFile(dir, 'data/launch-gates.csv', 'Hallucination_Max_Rate', 'Hallucination_Max');
    });
    expect(err.message).toBe('the registry has 3 problems');
    expect(err.details).toEqual(
      expect.arrayContaining([
        'data/experiment-backlog.csv:6 [decision_week]: the program has 13 weeks (got "14")',
        'data/prioritized-experiments.csv:6 [key]: exp-099 is not in experiment-backlog.csv',
        expect.stringMatching(
          /^data\/launch-gates.csv:2 \[threshold_policy_key\]: policy value Hallucination_Max does not exist/
        )
      ])
    );
  });

  it('rejects a duplicate key and a text longer than its field', () => {
    const err = loadBroken((dir) => {
      const file = path.join(dir, 'data', 'experiment-backlog.csv');
      const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
      lines.push(lines[1]!);
      fs.writeFileSync(file, `${lines.join('\n')}\n`);
      editFile(dir, 'data/experiment-backlog.csv', 'Pilot start rate,Ratio', `${'x'.repeat(300)},Ratio`);
    });
    expect(err.details).toEqual(
      expect.arrayContaining([
        'data/experiment-backlog.csv:2 [primary_metric]: 300 characters, Primary_Metric__c holds at most 255',
        'data/experiment-backlog.csv:8 [key]: exp-001 is already defined on line 2'
      ])
    );
  });

  it('says so when a file is empty', () => {
    const err = loadBroken((dir) => fs.writeFileSync(path.join(dir, 'data', 'launch-gates.csv'), ''));
    expect(err.message).toBe('data/launch-gates.csv is empty: expected a header line and rows');
  });
});
