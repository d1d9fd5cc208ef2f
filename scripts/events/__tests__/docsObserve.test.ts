import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';
import { DOCS_FILE, renderDocs } from '../docs';
import { observeEventFile } from '../observe';
import { loadPlan } from '../plan';
import { invited, tempDir, writeJsonl } from './eventFiles';

describe('gtm events docs', () => {
  it(`${DOCS_FILE} is what the plan generates (run npx gtm events docs when this fails)`, () => {
    expect(fs.readFileSync(path.join(REPO_ROOT, DOCS_FILE), 'utf8')).toBe(renderDocs(loadPlan()));
  });

  it('lists owner, trigger, PII, mapping and lineage of an event', () => {
    const text = renderDocs(loadPlan());
    const section = text.slice(
      text.indexOf('### Agent Activity Reported'),
      text.indexOf('###', text.indexOf('### Agent Activity Reported') + 4)
    );
    expect(section).toContain('- owner: Product Analytics; origin: product');
    expect(section).toContain(
      '- lineage: rule pqa-qualification (PQA qualification (exp-001): weekly active agents per account)'
    );
    expect(section).toContain(
      '| `active_agents` | integer: 0 to 999999999 | yes |  | `Active_Agents__c` | product_always |'
    );
    expect(text).toContain(
      '| `invitee_email` | string: up to 80 characters | yes | PII | `Invitee_Email__c` | product_always |'
    );
  });
});

describe('gtm events observe', () => {
  it('says planned, live or unexpected per event and property, with counts, first and last seen and null share', async () => {
    const dir = tempDir();
    try {
      const file = writeJsonl(dir, 'e.jsonl', [
        invited({
          occurred_at: '2026-03-05T00:00:00Z',
          properties: { invitee_email: 'a@example.com', role: null, team: 'x' }
        }),
        invited({ occurred_at: '2026-03-01T00:00:00Z' }),
        invited({ event_name: 'Teammate Kicked' }),
        'not json'
      ]);
      const o = await observeEventFile(file, loadPlan());
      expect(o).toMatchObject({ rows: 4, unreadable: 1 });
      const invitedObs = o.events.find((e) => e.event === 'Teammate Invited')!;
      expect(invitedObs).toMatchObject({
        status: 'live',
        count: 2,
        first_seen: '2026-03-01T00:00:00Z',
        last_seen: '2026-03-05T00:00:00Z'
      });
      expect(invitedObs.properties).toEqual([
        { property: 'invitee_email', status: 'live', count: 2, null_share: 0 },
        { property: 'role', status: 'live', count: 1, null_share: 0.5 },
        { property: 'team', status: 'unexpected', count: 1, null_share: 0.5 }
      ]);
      expect(o.events.find((e) => e.event === 'Teammate Kicked')).toMatchObject({ status: 'unexpected', count: 1 });
      expect(o.events.find((e) => e.event === 'Logo Churned')).toMatchObject({
        status: 'planned',
        count: 0,
        first_seen: null
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
