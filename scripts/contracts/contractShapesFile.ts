/**
 * staticresources/GtmPanelContracts.json: the panels' response shapes rendered from panelContracts.ts, so the Apex
 * tests can hold the controllers' DTOs to the same contract the LWC fixtures and the workbench follow.
 * `npm run contracts:write` rewrites it; a jest test fails when it is stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../lib/paths';
import { contractShapes } from './panelContracts';

export function contractShapesPath(projectDir?: string): string {
  return path.join(projectPaths(projectDir).metadata, 'staticresources', 'GtmPanelContracts.json');
}

export function renderContractShapes(): string {
  return `${JSON.stringify(contractShapes(), null, 2)}\n`;
}

if (require.main === module) {
  fs.writeFileSync(contractShapesPath(), renderContractShapes());
  console.log(`wrote ${path.relative(process.cwd(), contractShapesPath())}`);
}
