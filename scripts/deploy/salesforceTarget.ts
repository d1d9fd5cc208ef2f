/**
 * The deploy target for a real org. Auth is the sf CLI's own (`sf org login web`): this code never asks for,
 * prints or stores a password or token.
 */
import { Org } from '@salesforce/core';
import type { ComponentSet, DeployMessage } from '@salesforce/source-deploy-retrieve';
import { OrgError } from '../lib/errors';
import type { Schema } from '../metadata/schema';
import type { SObjectRecord } from '../registry/registry';
import type { ComponentFailure, DeployTarget, OrgIdentity, UpsertOutcome } from './target';

type Connection = ReturnType<Org['getConnection']>;

const DEPLOY_POLL_MS = 2_000;
const DEPLOY_TIMEOUT_S = 60 * 60;

/** Turns an auth or API failure into a message that says what to do; never includes tokens. */
export function orgFailure(action: string, alias: string, err: unknown): OrgError {
  const e = err as { name?: string; errorCode?: string; message?: string };
  const code = e.errorCode ?? e.name ?? '';
  if (/NamedOrgNotFound|NoAuthInfoFound|AuthInfoNotFound|NoOrgFound/i.test(code)) {
    return new OrgError(`no authenticated org named "${alias}"`, {
      details: [`log in once with the Salesforce CLI: npx sf org login web --alias ${alias}`]
    });
  }
  if (/INVALID_SESSION_ID|invalid_grant|expired/i.test(`${code} ${e.message ?? ''}`)) {
    return new OrgError(`the session for "${alias}" has expired or was revoked while trying to ${action}`, {
      details: [`log in again: npx sf org login web --alias ${alias}`]
    });
  }
  return new OrgError(`could not ${action} on "${alias}": ${e.message ?? String(err)}`);
}

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Nested relationship values (Experiment__r: {key}) need their sObject type for sObject Collections. */
function withAttributes(object: string, record: SObjectRecord, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type: object } };
  for (const [k, v] of Object.entries(record)) {
    if (v !== null && typeof v === 'object' && k.endsWith('__r')) {
      const lookup = schema.field(object, k.replace(/__r$/, '__c'));
      out[k] = { attributes: { type: lookup.referenceTo }, ...v };
    } else {
      out[k] = v;
    }
  }
  return out;
}

export async function connectToOrg(alias: string, apiVersion: string, schema: Schema): Promise<DeployTarget> {
  let org: Org;
  try {
    org = await Org.create({ aliasOrUsername: alias });
  } catch (err) {
    throw orgFailure('connect', alias, err);
  }
  const conn: Connection = org.getConnection(apiVersion);
  let identity: OrgIdentity | undefined;

  const target: DeployTarget = {
    async identity() {
      if (identity) return identity;
      try {
        const rows = await conn.query<{
          Id: string;
          IsSandbox: boolean;
          OrganizationType: string;
          TrialExpirationDate: string | null;
        }>('SELECT Id, IsSandbox, OrganizationType, TrialExpirationDate FROM Organization');
        const o = rows.records[0]!;
        const me = await conn.identity();
        const scratch = o.TrialExpirationDate !== null && !o.IsSandbox;
        const kind = o.IsSandbox ? 'sandbox' : scratch ? 'scratch or trial org' : o.OrganizationType;
        identity = {
          username: org.getUsername() ?? alias,
          orgId: o.Id,
          instanceUrl: conn.instanceUrl,
          userId: me.user_id,
          isProduction: !o.IsSandbox && !scratch && o.OrganizationType !== 'Developer Edition',
          kind
        };
        return identity;
      } catch (err) {
        throw orgFailure('read the organization', alias, err);
      }
    },

    async deployMetadata(components: ComponentSet, options, onProgress) {
      try {
        const deploy = await components.deploy({
          usernameOrConnection: conn,
          apiOptions: { rollbackOnError: true, testLevel: options.testLevel as 'NoTestRun' }
        });
        deploy.onUpdate((s) =>
          onProgress(
            `${s.status}: ${s.numberComponentsDeployed}/${s.numberComponentsTotal} components, ${s.numberTestsCompleted}/${s.numberTestsTotal} tests`
          )
        );
        const result = await deploy.pollStatus(DEPLOY_POLL_MS, DEPLOY_TIMEOUT_S);
        const r = result.response;
        const failures: ComponentFailure[] = asArray<DeployMessage>(r.details?.componentFailures).map((f) => ({
          type: f.componentType ?? '',
          fullName: f.fullName,
          file: f.fileName,
          line: f.lineNumber ? Number(f.lineNumber) : undefined,
          problem: f.problem ?? 'failed'
        }));
        return {
          success: r.success,
          deployId: r.id,
          componentsDeployed: r.numberComponentsDeployed,
          failures,
          message: r.errorMessage
        };
      } catch (err) {
        throw orgFailure('deploy the metadata', alias, err);
      }
    },

    async assignPermissionSets(names) {
      const me = (await target.identity()).userId;
      try {
        const sets = await conn.query<{ Id: string; Name: string }>(
          `SELECT Id, Name FROM PermissionSet WHERE Name IN (${names.map(quote).join(',')})`
        );
        const missing = names.filter((n) => !sets.records.some((s) => s.Name === n));
        if (missing.length) throw new OrgError(`permission sets not found in the org: ${missing.join(', ')}`);
        const held = await conn.query<{ PermissionSetId: string }>(
          `SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId = ${quote(me)}`
        );
        const heldIds = new Set(held.records.map((h) => h.PermissionSetId));
        const toAssign = sets.records.filter((s) => !heldIds.has(s.Id));
        if (toAssign.length) {
          const results = await conn.sobject('PermissionSetAssignment').create(
            toAssign.map((s) => ({ AssigneeId: me, PermissionSetId: s.Id })),
            { allOrNone: true }
          );
          const failed = results.filter((r) => !r.success);
          if (failed.length) throw new OrgError(`could not assign permission sets: ${JSON.stringify(failed[0])}`);
        }
        return {
          assigned: toAssign.map((s) => s.Name),
          alreadyAssigned: sets.records.filter((s) => heldIds.has(s.Id)).map((s) => s.Name)
        };
      } catch (err) {
        if (err instanceof OrgError) throw err;
        throw orgFailure('assign permission sets', alias, err);
      }
    },

    async upsert(object, externalIdField, records): Promise<UpsertOutcome> {
      if (records.length === 0) return { created: 0, updated: 0, failures: [] };
      try {
        const payload = records.map((r) => withAttributes(object, r, schema));
        const results = await conn
          .sobject(object)
          .upsert(payload as never[], externalIdField, { allOrNone: true, allowRecursive: true });
        const outcome: UpsertOutcome = { created: 0, updated: 0, failures: [] };
        results.forEach((res, i) => {
          const key = String(records[i]?.[externalIdField] ?? i);
          if (res.success) {
            if (res.created) outcome.created++;
            else outcome.updated++;
          } else {
            const errors = (res as { errors?: { message?: string; statusCode?: string }[] }).errors ?? [];
            outcome.failures.push({ key, message: errors.map((e) => `${e.statusCode}: ${e.message}`).join('; ') });
          }
        });
        return outcome;
      } catch (err) {
        throw orgFailure(`upsert ${object}`, alias, err);
      }
    }
  };
  return target;
}
