/**
 * The follow-up Task's key is written by two writers: the usage sync (TypeScript) and the Account panel's accept
 * (Apex). Both must write the same CallObject value, or each would make the Task the other already made.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../lib/paths';
import { TASK_KEY_FIELD, TASK_KEY_PREFIX } from '../salesforceSink';

it('the Apex service writes the same Task key field and prefix as the sync', () => {
  const apex = fs.readFileSync(
    path.join(REPO_ROOT, 'force-app/main/default/classes/services/GtmExpansionService.cls'),
    'utf8'
  );
  expect(/TASK_KEY_PREFIX\s*=\s*'([^']*)'/.exec(apex)?.[1]).toBe(TASK_KEY_PREFIX);
  expect(apex).toContain(`followUp.${TASK_KEY_FIELD} = key`);
});
