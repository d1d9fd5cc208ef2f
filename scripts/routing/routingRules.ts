/**
 * The routing rules as deployed: force-app's GTM_Routing_Rule__mdt records (what the org's
 * GTM_Routing_Rule__mdt.getAll() returns), read for the TypeScript twin of rule selection and owner precedence
 * (rules/routingRule.ts selectRoutingRule / precedenceOf).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../lib/errors';
import { displayPath, projectPaths } from '../lib/paths';
import { parseRecord } from '../policy/customMetadata';
import { precedenceList, type RoutingRuleRecord } from '../rules/routingRule';

const PREFIX = 'GTM_Routing_Rule.';
const SUFFIX = '.md-meta.xml';

export function loadRoutingRules(projectDir?: string): RoutingRuleRecord[] {
  const dir = projectPaths(projectDir).customMetadata;
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith(PREFIX) && f.endsWith(SUFFIX)) : [];
  return files.sort().map((f) => {
    const file = path.join(dir, f);
    const { fields } = parseRecord(file);
    const order = Number(fields.Order__c);
    if (fields.Order__c === null || fields.Order__c === undefined || !Number.isFinite(order))
      throw new InputError(`${displayPath(file)}: Order__c is not a number (${String(fields.Order__c)})`);
    if (!fields.Pool_Key__c) throw new InputError(`${displayPath(file)}: Pool_Key__c is empty`);
    return {
      name: f.slice(PREFIX.length, -SUFFIX.length),
      order,
      poolKey: fields.Pool_Key__c,
      segments: precedenceList(fields.Segments__c ?? null),
      targetAccountsOnly: fields.Target_Accounts_Only__c === 'true',
      ownerPrecedence: precedenceList(fields.Owner_Precedence__c ?? null),
      active: fields.Active__c === 'true'
    };
  });
}
