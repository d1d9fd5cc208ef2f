import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../../lib/paths';
import { contractShapesPath, renderContractShapes } from '../contractShapesFile';
import { ApexErrorBody, contractShapes, panelMethods } from '../panelContracts';

/**
 * LWC fixtures are named `<method>[.<variant>].json` (a response of that Apex method) or `error[.<variant>].json`
 * (an Apex error as the wire service delivers it).
 */
function fixtureFiles(): string[] {
  const lwcDir = path.join(projectPaths().metadata, 'lwc');
  if (!fs.existsSync(lwcDir)) return [];
  return fs.readdirSync(lwcDir).flatMap((component) => {
    const dataDir = path.join(lwcDir, component, '__tests__', 'data');
    if (!fs.existsSync(dataDir)) return [];
    return fs
      .readdirSync(dataDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => path.join(dataDir, f));
  });
}

const methodsByShortName = new Map(
  Object.entries(panelMethods).map(([name, def]) => [name.split('.')[1]!, { name, def }] as const)
);

describe('panel contracts', () => {
  it('GtmPanelContracts.json (read by the Apex tests) is rendered from the zod contracts', () => {
    expect(fs.readFileSync(contractShapesPath(), 'utf8')).toBe(renderContractShapes());
  });

  it('short method names are unique, so fixture names resolve to one method', () => {
    expect(methodsByShortName.size).toBe(Object.keys(panelMethods).length);
  });

  it('lists nested shapes by path', () => {
    const shapes = contractShapes()['GtmExpansionTriggerController.getExpansionView']!;
    expect(shapes['weeks[]']).toContain('qualifies');
    expect(shapes['latestTrigger.evidenceWeeks[]']).toEqual(
      expect.arrayContaining(['isoWeek', 'share', 'ticketsTotal'])
    );
  });

  it('rejects a response that breaks the contract', () => {
    const result = panelMethods['GtmPilotScorecardController.getScorecard'].returns.safeParse({ opportunityId: 'x' });
    expect(result.success).toBe(false);
  });

  const fixtures = fixtureFiles();
  it("finds the panels' fixtures (a renamed folder would otherwise check nothing)", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(Object.keys(panelMethods).length);
  });

  it.each(fixtures.map((f) => [path.relative(projectPaths().root, f)]))(
    'fixture %s follows its method contract',
    (rel) => {
      const file = path.join(projectPaths().root, rel);
      const prefix = path.basename(file).split('.')[0]!;
      const data: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (prefix === 'error') {
        ApexErrorBody.parse(data);
        return;
      }
      const method = methodsByShortName.get(prefix);
      if (!method)
        throw new Error(`${rel}: no panel method is named ${prefix} (see scripts/contracts/panelContracts.ts)`);
      const parsed = method.def.returns.safeParse(data);
      if (!parsed.success) throw new Error(`${rel} breaks ${method.name}: ${parsed.error.message}`);
    }
  );
});
