/**
 * `tracking-plan`: the funnel event plan (tracking-plan/) against itself, force-app and git. The rules are in
 * scripts/events/planCheck.ts; a project without a plan has nothing to check.
 */
import { checkPlan, planExists } from '../../events/planCheck';
import { readPlan } from '../../events/plan';
import { loadSchema } from '../../metadata/schema';
import { SchemaIndex } from '../schemaIndex';
import type { Check } from '../types';

export const trackingPlanCheck: Check = {
  name: 'tracking-plan',
  description: 'event schemas compile and follow the naming and SchemaVer rules; mapped fields exist in force-app',
  async run({ projectDir }) {
    if (!planExists(projectDir)) return [];
    const { plan, problems } = readPlan(projectDir);
    let idx: SchemaIndex;
    try {
      idx = new SchemaIndex(loadSchema(projectDir));
    } catch (err) {
      return [
        ...problems,
        { file: 'force-app', message: `cannot read the schema, the mapping is not checked: ${(err as Error).message}` }
      ];
    }
    return [...problems, ...checkPlan(plan, idx)];
  }
};
