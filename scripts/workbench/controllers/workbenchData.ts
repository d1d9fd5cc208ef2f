/**
 * The record data the workbench's preview pages show around the panels: pickers of accounts and opportunities,
 * and a record header (name and a few highlight fields), read from the embedded store.
 */
import type { LocalStore } from '../../store/localStore';
import type { WorkbenchData } from '../controllerPort';
import { dateText } from './panelFormat';
import { day, num, queryOne, queryRows, str, type Row } from './storeAccess';

const text = (v: Row[string] | undefined) => str(v) ?? '';
/** A date field as Lightning's header writes it (the panels' format); '' when blank. */
const dateOf = (v: Row[string] | undefined) => {
  const iso = day(v);
  return iso ? dateText(iso) : '';
};

function amountText(v: Row[string] | undefined): string {
  const n = num(v);
  return n === null ? '' : `$${n.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
}

export function createStoreData(store: LocalStore): WorkbenchData {
  return {
    async listAccounts() {
      const rows = await queryRows(store, 'SELECT "Id", "Name", "GTM_Segment__c" FROM "Account" ORDER BY "Name", "Id"');
      return rows.map((r) => ({ id: String(r.Id), name: text(r.Name), segment: str(r.GTM_Segment__c) }));
    },

    async listOpportunities() {
      const rows = await queryRows(
        store,
        `SELECT o."Id", o."Name", a."Name" AS "AccountName", o."StageName", o."CloseDate"
         FROM "Opportunity" o LEFT JOIN "Account" a ON a."Id" = o."AccountId" ORDER BY o."Name", o."Id"`
      );
      return rows.map((r) => ({
        id: String(r.Id),
        name: text(r.Name),
        accountName: str(r.AccountName),
        stageName: str(r.StageName),
        closeDate: day(r.CloseDate)
      }));
    },

    async recordHeader(objectName, id) {
      if (objectName === 'Task') {
        const r = await queryOne(
          store,
          `SELECT t.*, u."Name" AS "OwnerName", a."Name" AS "RelatedName" FROM "Task" t
           LEFT JOIN "User" u ON u."Id" = t."OwnerId" LEFT JOIN "Account" a ON a."Id" = t."WhatId"
           WHERE t."Id" = $id`,
          { id }
        );
        if (!r) return null;
        return {
          name: text(r.Subject),
          fields: [
            { label: 'Status', value: text(r.Status) },
            { label: 'Due Date', value: dateOf(r.ActivityDate) },
            { label: 'Assigned To', value: text(r.OwnerName) },
            { label: 'Related To', value: text(r.RelatedName) },
            { label: 'Comments', value: text(r.Description) }
          ]
        };
      }
      if (objectName === 'Account') {
        const r = await queryOne(
          store,
          `SELECT a.*, u."Name" AS "OwnerName" FROM "Account" a LEFT JOIN "User" u ON u."Id" = a."OwnerId"
           WHERE a."Id" = $id`,
          { id }
        );
        if (!r) return null;
        return {
          name: text(r.Name),
          fields: [
            { label: 'GTM Segment', value: text(r.GTM_Segment__c) },
            { label: 'GTM Target Account', value: r.GTM_Target_Account__c === true ? 'Yes' : 'No' },
            { label: 'Usage Account Key', value: text(r.Usage_Account_Key__c) },
            { label: 'Account Owner', value: text(r.OwnerName) }
          ]
        };
      }
      const r = await queryOne(
        store,
        `SELECT o.*, a."Name" AS "AccountName", u."Name" AS "OwnerName" FROM "Opportunity" o
         LEFT JOIN "Account" a ON a."Id" = o."AccountId" LEFT JOIN "User" u ON u."Id" = o."OwnerId"
         WHERE o."Id" = $id`,
        { id }
      );
      if (!r) return null;
      return {
        name: text(r.Name),
        fields: [
          { label: 'Account Name', value: text(r.AccountName) },
          { label: 'Stage', value: text(r.StageName) },
          { label: 'Close Date', value: dateOf(r.CloseDate) },
          { label: 'Amount', value: amountText(r.Amount) },
          { label: 'Type', value: text(r.Type) },
          { label: 'Pilot Start Date', value: dateOf(r.Pilot_Start_Date__c) },
          { label: 'Opportunity Owner', value: text(r.OwnerName) }
        ]
      };
    }
  };
}
