/**
 * `gtm onboarding`: exp-008's guided implementation blueprint. `plan create` makes a won deal's plan in the local
 * store (in an org the Opportunity trigger does it); `activation sync` judges activation from a ticket export
 * (local store or --target-org); `readout` is the time-to-activation readout per arm as of an instant.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { createOutput, table } from '../cli/output';
import { InputError, UsageError } from '../lib/errors';
import { loadPolicyFile } from '../policy/policy';
import { isoSeconds } from '../rules/routingRule';
import { ACTIVATION_EVENT, syncActivation } from '../onboarding/activation';
import { raiseAlerts } from '../onboarding/alerts';
import { createPlan, type Arm } from '../onboarding/planStore';
import { LOCAL_BUSINESS_HOURS_NAMES } from '../store/businessHours';
import { buildReadout, readoutText } from '../onboarding/readout';
import { openExistingStore } from './pqa';
import { openSink, parseAsOf } from './usage';

const ARMS: readonly Arm[] = ['Blueprint', 'Legacy'];
const EXPERIMENT = 'exp-008';

interface CreateFlags {
  opportunity: string;
  start?: string;
  hours?: string;
  arm?: string;
  store?: string;
  json?: boolean;
}

interface SyncFlags {
  targetOrg?: string;
  store?: string;
  dryRun?: boolean;
  json?: boolean;
}

interface ReadoutFlags {
  asOf?: string;
  store?: string;
  json?: boolean;
}

const days = (x: number | null) => (x === null ? '-' : x.toFixed(1));

export function registerOnboardingCommand(program: Command): void {
  const onboarding = program.command('onboarding').description("exp-008's onboarding plans and time to activation");

  onboarding
    .command('plan')
    .description('onboarding plans')
    .command('create')
    .description("create a won deal's plan from the active blueprint in the local store (once per deal)")
    .requiredOption('--opportunity <id>', 'the won Opportunity (its Account gets the plan)')
    .option('--start <instant>', 'plan start: Closed Won or the pilot conversion (default: now)')
    .option(
      '--hours <name>',
      `business hours that count the plan's days (${LOCAL_BUSINESS_HOURS_NAMES.join(', ')}; default: the org default)`
    )
    .option('--arm <arm>', 'Blueprint (default) or Legacy')
    .option('--store <file>', 'the local store (default .gtm/store.duckdb)')
    .option('--json', 'the plan as JSON on stdout')
    .action(async (flags: CreateFlags) => {
      const arm = (flags.arm ?? 'Blueprint') as Arm;
      if (!ARMS.includes(arm)) throw new UsageError(`--arm ${JSON.stringify(flags.arm)} must be Blueprint or Legacy`);
      // a bad option value is a usage error naming the option (it was an input error naming a field of the plan)
      if (flags.hours !== undefined && !LOCAL_BUSINESS_HOURS_NAMES.includes(flags.hours))
        throw new UsageError(
          `--hours ${JSON.stringify(flags.hours)} is not a business-hours schedule the local store knows (${LOCAL_BUSINESS_HOURS_NAMES.join(', ')})`
        );
      const startAt = isoSeconds(parseAsOf(flags.start, Date.now(), '--start'));
      const out = createOutput(Boolean(flags.json));
      const store = await openExistingStore(flags.store);
      try {
        const opp = (
          await store.db.runAndReadAll(
            `SELECT "AccountId" AS account, "Name" AS name FROM "Opportunity" WHERE "Id" = $id`,
            {
              id: flags.opportunity
            }
          )
        ).getRowObjects()[0];
        if (!opp) throw new InputError(`--opportunity ${flags.opportunity}: no such Opportunity in ${store.file}`);
        if (opp.account === null) throw new InputError(`--opportunity ${flags.opportunity} has no Account to onboard`);
        const { plan, created } = await createPlan(store, {
          accountId: String(opp.account),
          opportunityId: flags.opportunity,
          startAt,
          arm,
          hoursName: flags.hours ?? null,
          name: String(opp.name ?? flags.opportunity)
        });
        out.result({ created, plan });
        out.info(
          `${created ? 'created' : 'already there, unchanged'}: ${plan.key} (${plan.blueprint}), start ${plan.startAt}, baseline end ${plan.baselineEnd}`
        );
        out.info(
          table(
            plan.steps.map((s) => [s.key, s.side, s.status, s.dueAt ?? '-', s.dependsOn.join(', ') || '-']),
            ['step', 'side', 'status', 'due', 'after']
          )
        );
      } finally {
        await store.close();
      }
    });

  onboarding
    .command('activation')
    .description('activation from usage')
    .command('sync')
    .description(
      'judge activation of every plan from a ticket export: go-live done, AI resolutions in the trailing window at the policy minimum, hallucination gate not Failed'
    )
    .argument('<export>', 'the ticket export (CSV, optionally .gz) the usage sync reads')
    .option(
      '-o, --target-org <alias>',
      'the org to read plans from and write activations to (default: the local store)'
    )
    .option('--store <file>', 'the local store (default .gtm/store.duckdb)')
    .option('--dry-run', 'judge and report, write nothing')
    .option('--json', 'the summary as JSON on stdout')
    .action(async (file: string, flags: SyncFlags) => {
      if (flags.targetOrg && flags.store)
        throw new UsageError('--store is for the local store; it cannot be used with --target-org');
      const out = createOutput(Boolean(flags.json));
      // the store must exist; a dry run's sink opens it read only and says so itself when it does not
      if (!flags.targetOrg && !flags.dryRun) await openExistingStore(flags.store).then((s) => s.close());
      const { sink, policy } = await openSink(flags, out);
      try {
        const r = await syncActivation(sink, path.resolve(file), policy, { dryRun: flags.dryRun });
        out.result(r);
        out.info(
          `${r.dry_run ? 'Dry run (nothing written): ' : ''}${r.plans} plans against ${r.export} (${r.rows} rows, ${r.rejected} rejected): ${r.activated} newly activated, ${r.unchanged} unchanged, ${r.not_activated} not activated; ${r.written} written to ${r.target}, with ${r.events_written} ${ACTIVATION_EVENT} event(s)`
        );
        out.info(
          table(
            r.changes.map((c) => [
              c.plan,
              c.status,
              c.activated_at ?? '-',
              days(c.calendar_days),
              c.business_days ?? '-',
              c.reason ??
                (c.usage_before_go_live ? `usage reached the minimum before go-live (${c.usage_before_go_live})` : '')
            ]),
            ['plan', 'status', 'activated at', 'days', 'business days', 'why']
          )
        );
        if (r.failed) {
          for (const f of r.failures.slice(0, 3)) out.done(`  ${f.plan}: ${f.error}`);
          process.exitCode = 3;
        }
      } finally {
        await sink.close();
      }
    });

  onboarding
    .command('alerts')
    .description(
      'a Task for the owner of each overdue step and a chase Task for the CSM on each customer step more than Onboarding_Chase_Business_Days business days overdue (once each)'
    )
    .option('--as-of <instant>', 'judge as of this date or ISO instant (default: now)')
    .option('--store <file>', 'the local store (default .gtm/store.duckdb)')
    .option('--dry-run', 'list the alerts, create no Task')
    .option('--json', 'the alerts as JSON on stdout')
    .action(async (flags: ReadoutFlags & { dryRun?: boolean }) => {
      const now = isoSeconds(parseAsOf(flags.asOf));
      const out = createOutput(Boolean(flags.json));
      const store = await openExistingStore(flags.store);
      try {
        const alerts = await raiseAlerts(store, now, loadPolicyFile(), { dryRun: flags.dryRun });
        out.result({ as_of: now, dry_run: Boolean(flags.dryRun), alerts });
        out.info(
          `${flags.dryRun ? 'Dry run (nothing written): ' : ''}${alerts.length} alerts as of ${now}, ${alerts.filter((a) => a.created).length} Task(s) created`
        );
        out.info(
          table(
            alerts.map((a) => [a.plan, a.step, a.kind, a.created ? 'created' : 'exists or dry run']),
            ['plan', 'step', 'alert', 'Task']
          )
        );
      } finally {
        await store.close();
      }
    });

  onboarding
    .command('readout')
    .description(
      'time to activation per arm: Kaplan-Meier median and P75 with censoring, log-rank p, share within the target with Wilson, the scale rule and the support-burden guardrail'
    )
    .argument('<experiment>', `the experiment (${EXPERIMENT})`)
    .option('--as-of <instant>', 'judge as of this date or ISO instant (default: now)')
    .option('--store <file>', 'the local store (default .gtm/store.duckdb)')
    .option('--json', 'the readout as JSON on stdout')
    .action(async (experiment: string, flags: ReadoutFlags) => {
      if (experiment !== EXPERIMENT)
        throw new UsageError(`experiment ${JSON.stringify(experiment)}: the onboarding readout is ${EXPERIMENT}'s`);
      const asOf = parseAsOf(flags.asOf);
      const out = createOutput(Boolean(flags.json));
      const policy = loadPolicyFile();
      const store = await openExistingStore(flags.store);
      try {
        const r = await buildReadout(store.db, policy, experiment, asOf);
        out.result(r);
        if (!flags.json) process.stdout.write(readoutText(r));
      } finally {
        await store.close();
      }
    });
}
