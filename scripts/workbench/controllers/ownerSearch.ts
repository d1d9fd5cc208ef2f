/**
 * GtmPilotScorecardController.searchOwners over the store: the owner lookup's type-ahead (issue 13), active users
 * whose name contains the typed text (case-insensitive), by name, at most OWNER_SEARCH_LIMIT, as the Apex reads them.
 */
import type { PanelResult } from '../../contracts/panelContracts';
import type { ControllerContext } from './context';
import { queryRows, str, workbenchUserId } from './storeAccess';

/** How many users one search answers (GtmScorecardService.OWNER_SEARCH_LIMIT). */
export const OWNER_SEARCH_LIMIT = 20;
/** Fewer typed characters than this search nothing (the Apex's minimum too). */
export const OWNER_SEARCH_MIN = 2;

export async function searchOwners(
  ctx: ControllerContext,
  query: string
): Promise<PanelResult<'GtmPilotScorecardController.searchOwners'>> {
  const text = query.trim();
  if (text.length < OWNER_SEARCH_MIN) return { users: [] };
  await workbenchUserId(ctx.store);
  // the text is a parameter, never SQL; % and _ in it are literal, as the Apex escapes them for LIKE
  const rows = await queryRows(
    ctx.store,
    `SELECT "Id", "Name" FROM "User" WHERE contains(lower("Name"), lower($text)) ORDER BY "Name", "Id" LIMIT ${OWNER_SEARCH_LIMIT}`,
    { text }
  );
  return { users: rows.map((u) => ({ id: String(u.Id), name: str(u.Name) ?? String(u.Id) })) };
}
