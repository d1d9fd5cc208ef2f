/**
 * `wb-probe`: a workbench-only component that exercises every path a panel uses (a cacheable Apex method with
 * `@wire`, refreshApex, an imperative call that fails, the Apex error body through c/gtmErrors, a toast,
 * lightning-card, lightning-button and lightning-datatable), so the workbench itself is tested whatever state the
 * real panels are in. Served at /workbench/probe/<opportunityId>. Kept as text so eslint's Node rules do not
 * apply to browser code; the build writes it out.
 */
export const PROBE_JS = `import { LightningElement, api, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import getScorecard from '@salesforce/apex/GtmPilotScorecardController.getScorecard';
import updateCriterion from '@salesforce/apex/GtmPilotScorecardController.updateCriterion';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import OPPORTUNITY_NAME from '@salesforce/schema/Opportunity.Name';
import USER_ID from '@salesforce/user/Id';
import { errorText } from 'c/gtmErrors';

const COLUMNS = [
  { label: 'Metric', fieldName: 'metric' },
  { label: 'Target', fieldName: 'targetValue', type: 'number' },
  { label: 'Actual', fieldName: 'actualValue', type: 'number' },
  { label: 'Status', fieldName: 'status' }
];

export default class Probe extends LightningElement {
  @api recordId;
  columns = COLUMNS;
  wired;
  loads = 0;
  actionError;
  userId = USER_ID;
  schemaField = OPPORTUNITY_NAME.objectApiName + '.' + OPPORTUNITY_NAME.fieldApiName;

  @wire(getScorecard, { opportunityId: '$recordId' })
  wiredScorecard(value) {
    this.wired = value;
    this.loads += 1;
  }

  get data() {
    return this.wired && this.wired.data;
  }
  get name() {
    return this.data ? this.data.opportunityName : '';
  }
  get criteria() {
    return this.data ? this.data.criteria : [];
  }
  get wireError() {
    return this.wired && this.wired.error ? errorText(this.wired.error) : undefined;
  }

  async handleRefresh() {
    await refreshApex(this.wired);
  }

  async handleImperative() {
    try {
      const view = await getScorecard({ opportunityId: this.recordId });
      this.actionError = undefined;
      this.dispatchEvent(new ShowToastEvent({ title: 'Loaded', message: view.opportunityName, variant: 'success' }));
    } catch (e) {
      this.actionError = errorText(e);
    }
  }

  async handleFail() {
    try {
      await updateCriterion({ criterionId: 'no-such-criterion', actualValue: null, status: null });
      this.actionError = undefined;
    } catch (e) {
      this.actionError = errorText(e);
      this.dispatchEvent(new ShowToastEvent({ title: 'Could not save', message: this.actionError, variant: 'error' }));
    }
  }
}
`;

export const PROBE_HTML = `<template>
  <lightning-card title="Workbench probe" icon-name="standard:opportunity">
    <lightning-button slot="actions" label="Refresh" data-id="refresh" onclick={handleRefresh}></lightning-button>
    <lightning-button slot="actions" label="Call imperatively" data-id="imperative" onclick={handleImperative}></lightning-button>
    <lightning-button slot="actions" label="Fail" data-id="fail" onclick={handleFail}></lightning-button>
    <div class="slds-p-horizontal_medium">
      <p class="probe-name slds-text-heading_small">{name}</p>
      <p class="slds-text-body_small">loads: <span class="probe-loads">{loads}</span>, user {userId}, {schemaField}</p>
      <template lwc:if={wireError}>
        <div class="probe-wire-error slds-text-color_error" role="alert">{wireError}</div>
      </template>
      <template lwc:if={actionError}>
        <div class="probe-action-error slds-text-color_error" role="alert">{actionError}</div>
      </template>
    </div>
    <lightning-datatable key-field="id" data={criteria} columns={columns} hide-checkbox-column></lightning-datatable>
  </lightning-card>
</template>
`;
