/**
 * exp-002: whether a security packet's required collateral is current through an opportunity's close date. Pure:
 * Trust_Collateral__c-shaped records in, one verdict per required type (policy Security_Required_Collateral) out.
 * Apex twin: GtmCollateralRule.
 */
import { compareDates, isBlank, type RulePolicy } from './ruleSupport';

export const PUBLISHED = 'Published';

export interface CollateralRecord {
  Collateral_Type__c?: string | null;
  Status__c?: string | null;
  Version__c?: string | null;
  Valid_Until__c?: string | null;
}

export interface CollateralInput {
  /** the opportunity's close date; without one, items are judged against today only */
  closeDate: string | null;
  items: CollateralRecord[];
}

export type CollateralStatus = 'current' | 'expires_before_close' | 'expired' | 'missing';

export interface CollateralItemResult {
  type: string;
  status: CollateralStatus;
  version: string | null;
  validUntil: string | null;
}

export interface CollateralResult {
  /** true only when every required type is current */
  current: boolean;
  items: CollateralItemResult[];
}

/** Latest Valid_Until__c wins; a published item without one never expires, so it beats any dated item. */
function better(candidate: CollateralRecord, best: CollateralRecord | undefined): boolean {
  if (!best) return true;
  if (isBlank(best.Valid_Until__c)) return false;
  if (isBlank(candidate.Valid_Until__c)) return true;
  return compareDates(candidate.Valid_Until__c!, best.Valid_Until__c!) > 0;
}

export function judgeCollateral(input: CollateralInput, policy: RulePolicy, today: string): CollateralResult {
  const required = policy.list('Security_Required_Collateral');
  const best = new Map<string, CollateralRecord>();
  for (const item of input.items) {
    if (item.Status__c !== PUBLISHED || isBlank(item.Collateral_Type__c)) continue;
    const type = item.Collateral_Type__c!;
    if (better(item, best.get(type))) best.set(type, item);
  }
  const items = required.map((type): CollateralItemResult => {
    const item = best.get(type);
    if (!item) return { type, status: 'missing', version: null, validUntil: null };
    const validUntil = isBlank(item.Valid_Until__c) ? null : item.Valid_Until__c!;
    let status: CollateralStatus = 'current';
    if (validUntil !== null) {
      if (compareDates(validUntil, today) < 0) status = 'expired';
      else if (input.closeDate !== null && compareDates(validUntil, input.closeDate) < 0)
        status = 'expires_before_close';
    }
    return { type, status, version: isBlank(item.Version__c) ? null : item.Version__c!, validUntil };
  });
  return { current: items.every((i) => i.status === 'current'), items };
}
