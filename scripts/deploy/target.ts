/**
 * Where `gtm deploy` writes. The real target is a Salesforce org reached through the sf CLI's stored auth;
 * tests use a fake. Every step the deploy takes against an org goes through this interface.
 */
import type { ComponentSet } from '@salesforce/source-deploy-retrieve';
import type { SObjectRecord } from '../registry/registry';

export interface OrgIdentity {
  username: string;
  orgId: string;
  instanceUrl: string;
  userId: string;
  /** not a sandbox, not a scratch org, not a Developer Edition: writes need --allow-production */
  isProduction: boolean;
  kind: string;
}

export interface ComponentFailure {
  type: string;
  fullName: string;
  file?: string;
  line?: number;
  problem: string;
}

export interface MetadataDeployResult {
  success: boolean;
  deployId: string;
  componentsDeployed: number;
  failures: ComponentFailure[];
  message?: string;
}

export interface UpsertOutcome {
  created: number;
  updated: number;
  failures: { key: string; message: string }[];
}

export interface DeployTarget {
  identity(): Promise<OrgIdentity>;
  deployMetadata(
    components: ComponentSet,
    options: { testLevel: string },
    onProgress: (message: string) => void
  ): Promise<MetadataDeployResult>;
  assignPermissionSets(names: string[]): Promise<{ assigned: string[]; alreadyAssigned: string[] }>;
  /** One request per object (sObject Collections, all or none): the registry is tens of rows, not a bulk load. */
  upsert(object: string, externalIdField: string, records: SObjectRecord[]): Promise<UpsertOutcome>;
}
