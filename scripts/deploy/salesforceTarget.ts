/**
 * The deploy target for a real org. Auth is the sf CLI's own (`sf org login web`): this code never asks for,
 * prints or stores a password or token.
 */
import { Org } from '@salesforce/core';
import type {
  ComponentSet,
  DeployMessage,
  Failures,
  MetadataApiDeployStatus
} from '@salesforce/source-deploy-retrieve';
import { OrgError } from '../lib/errors';
import type { Schema } from '../metadata/schema';
import type { SObjectRecord } from '../registry/registry';
import type {
  ApexTestOutcome,
  ComponentFailure,
  DeployTarget,
  MetadataDeployResult,
  OpportunityStageRow,
  OrgIdentity,
  UpsertOutcome
} from './target';

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

/**
 * The one call the org questions need. A jsforce Connection has it: the sf CLI's (@jsforce/jsforce-node) and
 * jsforce's own, which the tests point at the project's Salesforce API double.
 */
export interface RestConnection {
  request(url: string): PromiseLike<unknown>;
}

/** The read-only questions a deploy asks before it writes anything. */
export interface OrgQuestions {
  identity(): Promise<OrgIdentity>;
  supportedApiVersions(): Promise<string[]>;
  opportunityStages(): Promise<OpportunityStageRow[]>;
  canAssignPermissionSets(): Promise<boolean>;
}

interface QueryPage<T> {
  done: boolean;
  nextRecordsUrl?: string;
  records: T[];
}

/**
 * The org questions over REST. SOQL goes to the target API version when the org serves it, else to the org's newest:
 * an org a release behind the project still answers (and the pre-flight then names the version as the problem)
 * instead of every question failing with a 404.
 */
export function orgQuestions(
  conn: RestConnection,
  org: { alias: string; username: string; instanceUrl: string; apiVersion: string }
): OrgQuestions {
  const { alias } = org;
  let versions: Promise<string[]> | undefined;
  const supportedApiVersions = (): Promise<string[]> =>
    (versions ??= (async () => {
      try {
        const list = await conn.request('/services/data/');
        if (!Array.isArray(list)) throw new Error('the answer to GET /services/data/ is not a list of versions');
        return list.map((v: { version?: unknown }) => String(v.version)).sort((a, b) => Number(a) - Number(b));
      } catch (err) {
        versions = undefined;
        throw orgFailure('list the API versions the org serves', alias, err);
      }
    })());

  async function query<T>(soql: string, action: string): Promise<T[]> {
    const served = await supportedApiVersions();
    const version = served.includes(org.apiVersion) ? org.apiVersion : (served[served.length - 1] ?? org.apiVersion);
    try {
      let page = (await conn.request(`/services/data/v${version}/query?q=${encodeURIComponent(soql)}`)) as QueryPage<T>;
      const rows = [...page.records];
      while (!page.done && page.nextRecordsUrl) {
        page = (await conn.request(page.nextRecordsUrl)) as QueryPage<T>;
        rows.push(...page.records);
      }
      return rows;
    } catch (err) {
      throw orgFailure(action, alias, err);
    }
  }

  let identity: OrgIdentity | undefined;
  return {
    supportedApiVersions,

    async identity() {
      if (identity) return identity;
      const [o] = await query<{
        Id: string;
        IsSandbox: boolean;
        OrganizationType: string;
        TrialExpirationDate: string | null;
      }>('SELECT Id, IsSandbox, OrganizationType, TrialExpirationDate FROM Organization', 'read the organization');
      const [me] = await query<{ Id: string }>(
        `SELECT Id FROM User WHERE Username = ${quote(org.username)}`,
        'read the deploying user'
      );
      if (!o || !me) throw new OrgError(`could not read the organization or the user ${org.username} on "${alias}"`);
      const scratch = o.TrialExpirationDate !== null && !o.IsSandbox;
      const kind = o.IsSandbox ? 'sandbox' : scratch ? 'scratch or trial org' : o.OrganizationType;
      identity = {
        username: org.username,
        orgId: o.Id,
        instanceUrl: org.instanceUrl,
        userId: me.Id,
        isProduction: !o.IsSandbox && !scratch && o.OrganizationType !== 'Developer Edition',
        kind
      };
      return identity;
    },

    async opportunityStages() {
      const rows = await query<{
        ApiName: string;
        MasterLabel: string;
        IsActive: boolean;
        IsClosed: boolean;
        IsWon: boolean;
      }>(
        'SELECT ApiName, MasterLabel, IsActive, IsClosed, IsWon FROM OpportunityStage ORDER BY SortOrder',
        'read the Opportunity stages'
      );
      return rows.map((r) => ({
        apiName: r.ApiName,
        masterLabel: r.MasterLabel,
        isActive: r.IsActive === true,
        isClosed: r.IsClosed === true,
        isWon: r.IsWon === true
      }));
    },

    async canAssignPermissionSets() {
      // UserPermissionAccess: the running user's effective permissions (profile and permission sets), one row
      const [row] = await query<{ PermissionsAssignPermissionSets?: boolean }>(
        'SELECT PermissionsAssignPermissionSets FROM UserPermissionAccess',
        "read the deploying user's permissions"
      );
      return row?.PermissionsAssignPermissionSets === true;
    }
  };
}

const firstLine = (s: string | undefined) => s?.split('\n')[0]?.trim() || undefined;

/** A Metadata API deploy result as the deploy reports it: component failures, and the Apex tests when any ran. */
export function deployOutcome(r: MetadataApiDeployStatus): MetadataDeployResult {
  const failures: ComponentFailure[] = asArray<DeployMessage>(r.details?.componentFailures).map((f) => ({
    type: f.componentType ?? '',
    fullName: f.fullName,
    file: f.fileName,
    line: f.lineNumber ? Number(f.lineNumber) : undefined,
    problem: f.problem ?? 'failed'
  }));
  const run = r.details?.runTestResult;
  const tests: ApexTestOutcome | undefined = run
    ? {
        run: Number(run.numTestsRun ?? 0),
        failures: asArray<Failures>(run.failures).map((f) => ({
          className: f.name,
          methodName: f.methodName,
          message: f.message,
          at: firstLine(f.stackTrace)
        })),
        coverageWarnings: asArray(run.codeCoverageWarnings).map((w) => {
          const name = (w as { name?: string | null }).name;
          return { ...(name ? { name } : {}), message: w.message };
        })
      }
    : undefined;
  return {
    success: r.success === true || String(r.success) === 'true',
    deployId: r.id,
    componentsDeployed: Number(r.numberComponentsDeployed ?? 0),
    failures,
    message: r.errorMessage,
    ...(tests ? { tests } : {})
  };
}

/**
 * The org the sf CLI has auth for under that alias or username, read from its auth files (no request is made); an
 * unknown name is an OrgError that says how to log in.
 */
export async function findOrg(alias: string): Promise<Org> {
  try {
    return await Org.create({ aliasOrUsername: alias });
  } catch (err) {
    throw orgFailure('connect', alias, err);
  }
}

export async function connectToOrg(alias: string, apiVersion: string, schema: Schema): Promise<DeployTarget> {
  const org = await findOrg(alias);
  const conn: Connection = org.getConnection(apiVersion);
  const questions = orgQuestions(conn, {
    alias,
    username: org.getUsername() ?? alias,
    instanceUrl: conn.instanceUrl,
    apiVersion
  });

  const target: DeployTarget = {
    identity: () => questions.identity(),
    supportedApiVersions: () => questions.supportedApiVersions(),
    opportunityStages: () => questions.opportunityStages(),
    canAssignPermissionSets: () => questions.canAssignPermissionSets(),

    async deployMetadata(components: ComponentSet, options, onProgress) {
      try {
        const deploy = await components.deploy({
          usernameOrConnection: conn,
          apiOptions: {
            rollbackOnError: true,
            testLevel: options.testLevel as 'NoTestRun',
            ...(options.checkOnly ? { checkOnly: true } : {}),
            ...(options.runTests?.length ? { runTests: options.runTests } : {})
          }
        });
        deploy.onUpdate((s) =>
          onProgress(
            `${s.status}: ${s.numberComponentsDeployed}/${s.numberComponentsTotal} components, ${s.numberTestsCompleted}/${s.numberTestsTotal} tests`
          )
        );
        const result = await deploy.pollStatus(DEPLOY_POLL_MS, DEPLOY_TIMEOUT_S);
        return deployOutcome(result.response);
      } catch (err) {
        throw orgFailure(options.checkOnly ? 'validate the metadata (check-only)' : 'deploy the metadata', alias, err);
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
