/**
 * What `gtm deploy` will do, computed offline: the metadata components and manifest (source-deploy-retrieve),
 * the permission sets, the policy and the registry records. `--dry-run` prints exactly this.
 */
import * as fs from 'node:fs';
import { ComponentSet } from '@salesforce/source-deploy-retrieve';
import { InputError } from '../lib/errors';
import { displayPath, projectPaths } from '../lib/paths';
import { loadSchema } from '../metadata/schema';
import { Policy } from '../policy/policy';
import { EXPERIMENT_OBJECT, GATE_OBJECT, loadRegistry, Registry, SObjectRecord } from '../registry/registry';

export interface PlannedComponent {
  type: string;
  fullName: string;
}

export interface DeployPlan {
  project: string;
  apiVersion: string;
  components: PlannedComponent[];
  /** custom objects, custom metadata types, and standard objects this project adds fields to */
  objects: string[];
  permissionSets: string[];
  manifest: string;
  policy: { origin: string; version: string; values: number };
  upserts: { object: string; externalIdField: string; records: SObjectRecord[] }[];
  componentSet: ComponentSet;
}

export const EXPERIMENT_KEY_FIELD = 'Experiment_Key__c';
export const GATE_KEY_FIELD = 'Gate_Key__c';

/** The API version deploys and API calls use, from sfdx-project.json. */
export function sourceApiVersion(projectDir?: string): string {
  const file = projectPaths(projectDir).sfdxProject;
  try {
    const v = (JSON.parse(fs.readFileSync(file, 'utf8')) as { sourceApiVersion?: string }).sourceApiVersion;
    if (!v || !/^\d+\.0$/.test(v)) throw new Error('sourceApiVersion must look like 65.0');
    return v;
  } catch (err) {
    throw new InputError(`${displayPath(file)}: ${(err as Error).message}`);
  }
}

export async function buildDeployPlan(policy: Policy, projectDir?: string): Promise<DeployPlan> {
  const paths = projectPaths(projectDir);
  const schema = loadSchema(projectDir);
  const registry: Registry = loadRegistry(policy, { projectDir, schema });
  const apiVersion = sourceApiVersion(projectDir);

  const componentSet = ComponentSet.fromSource(paths.forceApp);
  componentSet.sourceApiVersion = apiVersion;
  const components = componentSet
    .getSourceComponents()
    .toArray()
    .map((c) => ({ type: c.type.name, fullName: c.fullName }))
    .sort((a, b) => a.type.localeCompare(b.type) || a.fullName.localeCompare(b.fullName));
  const manifest = await componentSet.getPackageXml(2);

  const objects = [...schema.objects.values()].map((o) => o.apiName);
  const permissionSets = components.filter((c) => c.type === 'PermissionSet').map((c) => c.fullName);

  for (const [object, field] of [
    [EXPERIMENT_OBJECT, EXPERIMENT_KEY_FIELD],
    [GATE_OBJECT, GATE_KEY_FIELD]
  ] as const) {
    const def = schema.field(object, field);
    if (!def.externalId) throw new InputError(`${object}.${field} must be an external ID to upsert the registry`);
  }

  return {
    project: paths.root,
    apiVersion,
    components,
    objects,
    permissionSets,
    manifest,
    policy: { origin: policy.origin, version: policy.version, values: policy.keys().length },
    // experiments first: gates reference them by external ID
    upserts: [
      { object: EXPERIMENT_OBJECT, externalIdField: EXPERIMENT_KEY_FIELD, records: registry.experiments },
      { object: GATE_OBJECT, externalIdField: GATE_KEY_FIELD, records: registry.gates }
    ],
    componentSet
  };
}
