/**
 * The day-90 scorecard at an as-of date, from the local store: the five KPI values (kpi.ts) with their weekly trend
 * since Program_Start_Date, the experiment portfolio (readouts built at the as-of, with any decision stored for
 * them), trust and safety, the definitions, and next-quarter bets (the registry's proposed experiments). Reads only;
 * the same store and as-of give the same scorecard.
 */
import type { Policy } from '../policy/policy';
import { loadRegistry } from '../registry/registry';
import { literal } from './sql';
import type { LocalStore } from '../store/localStore';
import { computeKpi, DAY_MS, instantOf, type KpiValue } from './kpi';
import { loadKpiContracts, type KpiContract } from './kpiContracts';
import { kpiFreshness, readKpiSubjects } from './kpiSubjects';
import { loadProtocols } from './protocols';
import type { ExperimentReadout } from './readout';
import { buildReadouts } from './readoutStore';

export interface TrendPoint {
  asOf: string;
  value: number | null;
  status: KpiValue['status'];
}

export interface ScorecardKpi extends KpiValue {
  trend: TrendPoint[];
  freshness: string | null;
  /** the experiments whose primary metric this is */
  experiments: string[];
}

export interface PortfolioRow {
  experiment: string;
  name: string;
  status: string;
  owner: string;
  primaryKpi: string | null;
  readout: ExperimentReadout | null;
  /** the stored decision for this readout, if signed */
  decision: {
    decision: string;
    decidedBy: string | null;
    decidedAt: string | null;
    overrideReason: string | null;
  } | null;
}

export interface Scorecard {
  asOf: string;
  programStart: string;
  kpis: ScorecardKpi[];
  portfolio: PortfolioRow[];
  safety: {
    collateralExpiringBeforeClose: { opportunity: string; collateral: string; validUntil: string; closeDate: string }[];
    gatesNotPassed: { opportunity: string; status: string; runAt: string }[];
  };
  definitions: KpiContract[];
  bets: { experiment: string; name: string; hypothesis: string; primaryMetric: string }[];
}

/** Week ends from the first Monday after the program start up to the as-of date, and the as-of itself. */
export function trendDates(programStart: string, asOf: string): string[] {
  const startMs = instantOf(programStart, 'Program_Start_Date');
  const asOfMs = instantOf(asOf, '--as-of');
  const dates: string[] = [];
  for (let t = startMs + 7 * DAY_MS; t < asOfMs; t += 7 * DAY_MS) dates.push(new Date(t).toISOString().slice(0, 10));
  dates.push(asOf.slice(0, 10));
  return dates;
}

async function rows(store: LocalStore, sql: string) {
  return (await store.db.runAndReadAll(sql)).getRowObjects();
}

async function safety(store: LocalStore, policy: Policy, asOf: string): Promise<Scorecard['safety']> {
  const day = literal(asOf.slice(0, 10));
  const collateral = await rows(
    store,
    `SELECT o."Name" AS opp, c."Name" AS name, CAST(c."Valid_Until__c" AS VARCHAR) AS until, CAST(o."CloseDate" AS VARCHAR) AS close
       FROM "Opportunity" o JOIN "Security_Packet__c" p ON p."Opportunity__c" = o."Id"
       JOIN "Trust_Collateral__c" c ON c."Security_Packet__c" = p."Id"
      WHERE o."StageName" <> ${literal(policy.text('Stage_Closed_Won'))} AND o."CloseDate" >= CAST(${day} AS DATE)
        AND c."Valid_Until__c" < o."CloseDate"
      ORDER BY 1, 2`
  );
  const gates = await rows(
    store,
    `SELECT o."Name" AS opp, a."Gate_Status__c" AS status, strftime(a."Run_At__c", '%Y-%m-%dT%H:%M:%SZ') AS run_at
       FROM "Hallucination_Audit__c" a JOIN "Opportunity" o ON o."Id" = a."Opportunity__c"
      WHERE a."Run_At__c" <= CAST(${day} AS TIMESTAMP)
      QUALIFY row_number() OVER (PARTITION BY a."Opportunity__c" ORDER BY a."Run_At__c" DESC, a."Audit_Key__c" DESC) = 1
      ORDER BY 1`
  );
  return {
    collateralExpiringBeforeClose: collateral.map((r) => ({
      opportunity: String(r.opp),
      collateral: String(r.name),
      validUntil: String(r.until),
      closeDate: String(r.close)
    })),
    gatesNotPassed: gates
      .filter((r) => r.status !== 'Passed')
      .map((r) => ({ opportunity: String(r.opp), status: String(r.status), runAt: String(r.run_at) }))
  };
}

async function storedDecisions(store: LocalStore, asOf: string): Promise<Map<string, PortfolioRow['decision']>> {
  const out = new Map<string, PortfolioRow['decision']>();
  for (const r of await rows(
    store,
    `SELECT r."Readout_Key__c" AS k, r."Decision__c" AS d, u."Name" AS who,
            strftime(r."Decided_At__c", '%Y-%m-%dT%H:%M:%SZ') AS at, r."Override_Reason__c" AS why
       FROM "GTM_Experiment_Readout__c" r LEFT JOIN "User" u ON u."Id" = r."Decided_By__c"
      WHERE r."Decision__c" IS NOT NULL AND r."As_Of__c" <= CAST(${literal(asOf.slice(0, 10))} AS DATE)
      ORDER BY r."As_Of__c"`
  ))
    out.set(String(r.k).split('|')[0]!, {
      decision: String(r.d),
      decidedBy: r.who === null ? null : String(r.who),
      decidedAt: r.at === null ? null : String(r.at),
      overrideReason: r.why === null ? null : String(r.why)
    });
  return out;
}

export async function buildScorecard(store: LocalStore, policy: Policy, asOf: string): Promise<Scorecard> {
  const contracts = loadKpiContracts();
  const protocols = loadProtocols(contracts.map((c) => c.key));
  const programStart = policy.date('Program_Start_Date');
  const dates = trendDates(programStart, asOf);
  const kpis: ScorecardKpi[] = [];
  for (const c of contracts) {
    const subjects = await readKpiSubjects(store, c, policy);
    const value = computeKpi(c, subjects, policy, asOf);
    kpis.push({
      ...value,
      trend: dates.map((d) => {
        const v = computeKpi(c, subjects, policy, `${d}T00:00:00Z`);
        return { asOf: d, value: v.value, status: v.status };
      }),
      freshness: await kpiFreshness(store, c, asOf),
      experiments: protocols.filter((p) => p.primaryKpi === c.key).map((p) => p.experiment)
    });
  }
  const { readouts } = await buildReadouts(store, policy, asOf);
  const decisions = await storedDecisions(store, asOf);
  const registry = loadRegistry(policy).experiments;
  const portfolio: PortfolioRow[] = registry
    .map((e) => {
      const key = String(e.Experiment_Key__c);
      return {
        experiment: key,
        name: String(e.Name),
        status: String(e.Status__c ?? ''),
        owner: String(e.Owner_Role__c ?? ''),
        primaryKpi: protocols.find((p) => p.experiment === key)?.primaryKpi ?? null,
        readout: readouts.find((r) => r.experiment === key) ?? null,
        decision: decisions.get(key) ?? null
      };
    })
    .sort((a, b) => (a.experiment < b.experiment ? -1 : 1));
  return {
    asOf,
    programStart,
    kpis,
    portfolio,
    safety: await safety(store, policy, asOf),
    definitions: contracts,
    bets: registry
      .filter((e) => e.Status__c === 'Proposed')
      .map((e) => ({
        experiment: String(e.Experiment_Key__c),
        name: String(e.Name),
        hypothesis: String(e.Hypothesis__c ?? ''),
        primaryMetric: String(e.Primary_Metric__c ?? '')
      }))
      .sort((a, b) => (a.experiment < b.experiment ? -1 : 1))
  };
}
