import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { LocalStore } from '../../store/localStore';
import { buildSampleWorld } from '../../workbench/sampleWorld';
import { syncSampleWorld } from '../../workbench/syncWorld';
import { weeklyActiveAgents, onboardingMilestones } from '../reader';
import { createLocalSink } from '../../store/localSink';
import { tempDir } from './eventFiles';

describe('the sample world writes funnel events (npm start shows them)', () => {
  it('its events sync writes the planned ones, quarantines the two broken rows, and a re-sync writes nothing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'world.duckdb');
    try {
      const world = await buildSampleWorld(file);
      expect(fs.existsSync(world.eventsFile)).toBe(true);
      const store = await LocalStore.open(file, loadSchema());
      try {
        const policy = loadPolicyFile();
        const { events } = await syncSampleWorld(store, world, policy);
        const s = events!.summary;
        expect(s).toMatchObject({ quarantined: 2, conflicts: 0, held_validate_only: 0, failed: 0 });
        expect(s.written).toBe(s.rows - 2);
        expect(events!.rejects.map((r) => r.reason)).toEqual([
          expect.stringContaining('did you mean "Agent Activity Reported"?'),
          expect.stringContaining('Enum-Mismatch /properties/role')
        ]);
        const sink = createLocalSink(store);
        const agents = await weeklyActiveAgents(sink);
        expect(agents.get('foxglove-supply')?.size).toBe(8);
        const onboarding = await onboardingMilestones(sink);
        expect(onboarding.get('foxglove-supply')?.activatedAtMs).toBeDefined();
        expect(onboarding.get('northwind-logistics')?.activatedAtMs).toBeUndefined(); // low usage: never went live
        const again = await syncSampleWorld(store, world, policy);
        expect(again.events!.summary).toMatchObject({ written: 0, unchanged: s.written });
      } finally {
        await store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000); // builds and syncs the whole sample world (usage sync included)
});
