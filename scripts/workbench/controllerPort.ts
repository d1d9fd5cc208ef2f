/**
 * What the local workbench server calls: the panels' Apex methods (answered over the embedded store) and the
 * little record data the preview pages show around them.
 */
import type { PanelMethodName, PanelParams, PanelResult } from '../contracts/panelContracts';

/** An error a user can cause (not found, already decided, missing reason): answered like AuraHandledException. */
export class ControllerError extends Error {}

export type PanelControllers = {
  [M in PanelMethodName]: (params: PanelParams<M>) => Promise<PanelResult<M>>;
};

/**
 * The Opportunity stage in the workbench (Lightning's stage path stands in): the stages offered and a change judged
 * by the same gates as GtmOpportunityTrigger (controllers/stageGate.ts).
 */
export interface StagePort {
  options(opportunityId: string): Promise<{ current: string | null; stages: string[] }>;
  move(
    opportunityId: string,
    stageName: string
  ): Promise<{
    allowed: boolean;
    stageName: string | null;
    message: string | null;
    blockers: string[];
    bypassed: boolean;
  }>;
}

export interface WorkbenchData {
  listAccounts(): Promise<{ id: string; name: string; segment?: string | null }[]>;
  listOpportunities(): Promise<
    { id: string; name: string; accountName?: string | null; stageName?: string | null; closeDate?: string | null }[]
  >;
  /** a Task's page has no panel, only this (the expansion panel links its follow-up Task) */
  recordHeader(
    objectName: 'Account' | 'Opportunity' | 'Task',
    id: string
  ): Promise<{ name: string; fields: { label: string; value: string }[] } | null>;
}
