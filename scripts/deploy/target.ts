/**
 * Where `gtm deploy` writes. The real target is a Salesforce org reached through the sf CLI's stored auth;
 * tests use a fake. Every step the deploy takes against an org goes through this interface.
 */
import type { ComponentSet } from '@salesforce/source-deploy-retrieve';
import type { SObjectRecord } from '../registry/registry';
import type { OpportunityStageRow } from './preflight';

export type { OpportunityStageRow } from './preflight';

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

export interface ApexTestFailure {
  className: string;
  methodName: string;
  message: string;
  /** the first line of the stack trace, e.g. `Class.GtmPolicyTest.readsText: line 12, column 1` */
  at?: string;
}

export interface ApexTestOutcome {
  run: number;
  failures: ApexTestFailure[];
  /** the org's code coverage warnings: a class below 75%, or the org-wide average (no class name) */
  coverageWarnings: { name?: string; message: string }[];
}

export interface MetadataDeployResult {
  success: boolean;
  deployId: string;
  componentsDeployed: number;
  failures: ComponentFailure[];
  message?: string;
  /** the Apex test run, when the deploy ran tests */
  tests?: ApexTestOutcome;
}

export interface MetadataDeployOptions {
  testLevel: string;
  /** a validation deploy: the org compiles and tests everything, then rolls it all back */
  checkOnly?: boolean;
  /** the test classes of RunSpecifiedTests */
  runTests?: string[];
}

export interface UpsertOutcome {
  created: number;
  updated: number;
  failures: { key: string; message: string }[];
}

export interface DeployTarget {
  identity(): Promise<OrgIdentity>;
  /** the API versions the org serves (`GET /services/data/`), e.g. `['31.0', ..., '65.0']` */
  supportedApiVersions(): Promise<string[]>;
  /** every Opportunity stage of the org, active or not */
  opportunityStages(): Promise<OpportunityStageRow[]>;
  /** whether the deploying user has the "Assign Permission Sets" permission */
  canAssignPermissionSets(): Promise<boolean>;
  deployMetadata(
    components: ComponentSet,
    options: MetadataDeployOptions,
    onProgress: (message: string) => void
  ): Promise<MetadataDeployResult>;
  assignPermissionSets(names: string[]): Promise<{ assigned: string[]; alreadyAssigned: string[] }>;
  /** One request per object (sObject Collections, all or none): the registry is tens of rows, not a bulk load. */
  upsert(object: string, externalIdField: string, records: SObjectRecord[]): Promise<UpsertOutcome>;
}
