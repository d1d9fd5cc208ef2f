/**
 * exp-008's alerts as Tasks in the local store (rules/onboardingRule.ts stepAlerts decides them): an overdue step
 * gets a Task for its owner (the step's Owner__c, else the account owner); a customer-side step more than
 * Onboarding_Chase_Business_Days business days overdue gets a "chase" Task for the CSM (the account owner). Each Task
 * is on the step (WhatId) and named by its kind, so a re-run creates no Task twice; a plan that is activated or
 * churned raises nothing.
 */
import { stepAlerts } from '../rules/onboardingRule';
import type { RulePolicy } from '../rules/ruleSupport';
import type { LocalStore } from '../store/localStore';
import { insertRecord } from '../workbench/controllers/storeAccess';
import { calendarOfPlan, loadPlans } from './planStore';

export interface AlertTask {
  plan: string;
  step: string;
  kind: 'overdue' | 'chase';
  subject: string;
  ownerId: string | null;
  created: boolean;
}

const subjectOf = (kind: 'overdue' | 'chase', title: string, plan: string) =>
  kind === 'overdue' ? `Onboarding step overdue: ${title} (${plan})` : `Chase the customer: ${title} (${plan})`;

export async function raiseAlerts(
  store: LocalStore,
  now: string,
  policy: RulePolicy,
  options: { dryRun?: boolean } = {}
): Promise<AlertTask[]> {
  const owners = new Map(
    (await store.db.runAndReadAll(`SELECT "Id" AS id, "OwnerId" AS owner FROM "Account"`))
      .getRowObjects()
      .map((r) => [String(r.id), r.owner === null ? null : String(r.owner)])
  );
  const existing = new Set(
    (
      await store.db.runAndReadAll(
        `SELECT "WhatId" AS what, "Subject" AS subject FROM "Task" WHERE "WhatId" IS NOT NULL`
      )
    )
      .getRowObjects()
      .map((r) => `${String(r.what)}|${String(r.subject)}`)
  );
  const out: AlertTask[] = [];
  for (const plan of await loadPlans(store.db)) {
    if (plan.status !== 'In Progress') continue;
    for (const alert of stepAlerts(calendarOfPlan(plan), plan.steps, now, policy)) {
      const step = plan.steps.find((s) => s.key === alert.step)!;
      const subject = subjectOf(alert.kind, step.title, plan.name);
      const ownerId =
        alert.kind === 'overdue'
          ? (step.ownerId ?? owners.get(plan.accountId) ?? null)
          : (owners.get(plan.accountId) ?? null);
      const seen = existing.has(`${step.id}|${subject}`);
      if (!seen && !options.dryRun) {
        await insertRecord(store, 'Task', {
          Subject: subject,
          WhatId: step.id,
          OwnerId: ownerId,
          ActivityDate: now.slice(0, 10),
          Status: 'Not Started',
          Description:
            alert.kind === 'overdue'
              ? `Due ${step.dueAt}; ${step.status}${step.blockedReason ? `: ${step.blockedReason}` : ''}.`
              : `The customer's step is more than ${policy.integer('Onboarding_Chase_Business_Days')} business days past its due day (${step.dueAt}).`
        });
        existing.add(`${step.id}|${subject}`);
      }
      out.push({
        plan: plan.key,
        step: step.key,
        kind: alert.kind,
        subject,
        ownerId,
        created: !seen && !options.dryRun
      });
    }
  }
  return out;
}
