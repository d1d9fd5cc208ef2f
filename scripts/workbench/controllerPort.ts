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
