/**
 * What every workbench controller works with: the store, the policy (the org reads GTM_Policy__mdt; locally the
 * policy file it is deployed from), the day the workbench takes for today, and the records several panels read.
 */
import type { Policy } from '../../policy/policy';
import type { LocalStore } from '../../store/localStore';
import { ControllerError } from '../controllerPort';
import { day, num, queryOne, queryRows, str, type Row } from './storeAccess';

export interface ControllerContext {
  store: LocalStore;
  policy: Policy;
  /** YYYY-MM-DD: Date.today() of the org */
  today: string;
  /** the project whose force-app holds the criterion template (default: this repository) */
  projectDir?: string;
}

export interface OpportunityRecord {
  id: string;
  name: string;
  accountId: string | null;
  stageName: string | null;
  closeDate: string | null;
  pilotStartDate: string | null;
  ownerId: string | null;
}

export async function findOpportunity(ctx: ControllerContext, id: string): Promise<OpportunityRecord> {
  const r = await queryOne(
    ctx.store,
    `SELECT "Id", "Name", "AccountId", "StageName", "CloseDate", "Pilot_Start_Date__c", "OwnerId"
     FROM "Opportunity" WHERE "Id" = $id`,
    { id }
  );
  if (!r) throw new ControllerError('The opportunity was not found, or you do not have access to it');
  return {
    id: String(r.Id),
    name: str(r.Name) ?? '',
    accountId: str(r.AccountId),
    stageName: str(r.StageName),
    closeDate: day(r.CloseDate),
    pilotStartDate: day(r.Pilot_Start_Date__c),
    ownerId: str(r.OwnerId)
  };
}

/**
 * Collateral relevant to an opportunity: published Trust_Collateral__c linked to the opportunity's security
 * packet (its latest, as GtmSecurityPacketSelector picks it), or in the library (no packet).
 */
export async function relevantCollateral(ctx: ControllerContext, opportunityId: string): Promise<Row[]> {
  return queryRows(
    ctx.store,
    `SELECT c."Id", c."Collateral_Type__c", c."Status__c", c."Version__c", c."Valid_Until__c", c."Document_URL__c"
     FROM "Trust_Collateral__c" c
     WHERE c."Status__c" = 'Published'
       AND (c."Security_Packet__c" IS NULL
            OR c."Security_Packet__c" = (SELECT p."Id" FROM "Security_Packet__c" p WHERE p."Opportunity__c" = $opp
                                         ORDER BY p."Id" DESC LIMIT 1))
     ORDER BY c."Id"`,
    { opp: opportunityId }
  );
}

/** Collateral rows as the collateral rule reads them. */
export function collateralRecords(rows: Row[]) {
  return rows.map((r) => ({
    Collateral_Type__c: str(r.Collateral_Type__c),
    Status__c: str(r.Status__c),
    Version__c: str(r.Version__c),
    Valid_Until__c: day(r.Valid_Until__c)
  }));
}

export { num, str, day };
