/**
 * The store edge of the KPIs: a contract's cohort read from the local store as subjects (record id, cohort date,
 * first outcome on or after it). The contract's objects, fields and filters are checked against the store's tables
 * first, so a contract naming a field the store does not have fails naming the contract and the field.
 */
import { InputError } from '../lib/errors';
import { LOCAL_OBJECTS, q, tableColumns, type LocalStore } from '../store/localStore';
import type { RulePolicy } from '../rules/ruleSupport';
import { policyText, type FilterClause, type KpiContract } from './kpiContracts';
import type { KpiSubject } from './kpi';
import { literal } from './sql';

const iso = (column: string) => `strftime(CAST(${column} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%SZ')`;

function checkField(contract: KpiContract, store: LocalStore, object: string, field: string, role: string): void {
  if (!LOCAL_OBJECTS.includes(object))
    throw new InputError(
      `KPI contract ${contract.key}: ${role} object ${object} is not kept in the local store (it keeps ${LOCAL_OBJECTS.join(', ')})`
    );
  if (!tableColumns(store.schema, object).has(field))
    throw new InputError(`KPI contract ${contract.key}: ${role} field ${object}.${field} does not exist`);
}

function whereSql(
  contract: KpiContract,
  store: LocalStore,
  object: string,
  alias: string,
  clauses: FilterClause[],
  policy: RulePolicy,
  role: string
): string {
  return clauses
    .map((c) => {
      checkField(contract, store, object, c.field, `${role} filter`);
      const column = `${alias}.${q(c.field)}`;
      if (c.value === null) return `${column} IS NOT NULL`;
      const value = 'literal' in c.value ? c.value.literal : policyText(policy, c.value.policyKey);
      return `${column} = ${literal(value)}`;
    })
    .join(' AND ');
}

/** The contract's subjects in the store, by record id. */
export async function readKpiSubjects(
  store: LocalStore,
  contract: KpiContract,
  policy: RulePolicy
): Promise<KpiSubject[]> {
  const d = contract.denominator;
  const n = contract.numerator;
  checkField(contract, store, d.object, d.dateField, 'denominator date');
  checkField(contract, store, n.object, n.dateField, 'numerator date');
  const dWhere = [
    `d.${q(d.dateField)} IS NOT NULL`,
    whereSql(contract, store, d.object, 'd', d.filter, policy, 'denominator')
  ].filter(Boolean);
  const nWhere = whereSql(contract, store, n.object, 'n', n.filter, policy, 'numerator');
  let outcome: string;
  if (n.linkField === null || d.linkField === null) {
    // the outcome is a field on the cohort record itself
    const self = whereSql(contract, store, d.object, 'd', n.filter, policy, 'numerator');
    outcome = `CASE WHEN ${self || 'true'} AND d.${q(n.dateField)} >= d.${q(d.dateField)} THEN ${iso(`d.${q(n.dateField)}`)} END`;
  } else {
    checkField(contract, store, n.object, n.linkField, 'numerator link');
    checkField(contract, store, d.object, d.linkField, 'denominator link');
    outcome = `(SELECT ${iso(`min(n.${q(n.dateField)})`)} FROM ${q(n.object)} n
        WHERE n.${q(n.linkField)} = d.${q(d.linkField)} AND n.${q(n.dateField)} >= d.${q(d.dateField)}
        ${nWhere ? `AND ${nWhere}` : ''})`;
  }
  const sql = `SELECT d."Id" AS id, ${iso(`d.${q(d.dateField)}`)} AS start, ${outcome} AS outcome
      FROM ${q(d.object)} d WHERE ${dWhere.join(' AND ')} ORDER BY d."Id"`;
  const rows = (await store.db.runAndReadAll(sql)).getRowObjects();
  return rows.map((r) => ({
    id: String(r.id),
    start: String(r.start),
    outcome: r.outcome === null ? null : String(r.outcome)
  }));
}

/** The newest record date among a contract's sources up to the as-of date: how fresh its data is. */
export async function kpiFreshness(store: LocalStore, contract: KpiContract, asOf: string): Promise<string | null> {
  const parts = [contract.denominator, contract.numerator].map(
    (s) => `SELECT max(CAST(${q(s.dateField)} AS TIMESTAMP)) AS t FROM ${q(s.object)}
        WHERE CAST(${q(s.dateField)} AS TIMESTAMP) <= CAST(${literal(asOf)} AS TIMESTAMP)`
  );
  const rows = (
    await store.db.runAndReadAll(`SELECT ${iso('max(t)')} AS t FROM (${parts.join(' UNION ALL ')})`)
  ).getRowObjects();
  const t = rows[0]?.t;
  return t === null || t === undefined ? null : String(t);
}
