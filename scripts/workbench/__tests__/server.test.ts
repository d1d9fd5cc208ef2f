/**
 * The workbench server without a browser or a build: routes, the Apex endpoint's contract checks (params in,
 * response out), errors as Lightning delivers them, and a port in use.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ToolError } from '../../lib/errors';
import { ControllerError } from '../controllerPort';
import { createFakePorts, FAKE_IDS } from '../fakePorts';
import { answerApex, answerStage, startWorkbenchServer, WorkbenchServer } from '../server';

let bundleDir: string;
let server: WorkbenchServer;
const log: string[] = [];

beforeAll(async () => {
  bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-wb-bundle-'));
  fs.writeFileSync(path.join(bundleDir, 'main.js'), 'export function mount() {}\n');
  const fakes = createFakePorts();
  server = await startWorkbenchServer({
    bundleDir,
    ...fakes,
    port: 0,
    log: (l) => log.push(l),
    tour: [
      { what: 'a pilot <blocked>', name: 'Acme & Co', path: `/lightning/r/Opportunity/${FAKE_IDS.opportunity}/view` }
    ]
  });
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(bundleDir, { recursive: true, force: true });
});

const apex = (name: string, body: unknown) =>
  fetch(`${server.url}/api/apex/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  });

describe('POST /api/apex/<Class.method>', () => {
  it('answers a contract-valid view', async () => {
    const res = await apex('GtmPilotScorecardController.getScorecard', { opportunityId: FAKE_IDS.opportunity });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { opportunityId: string; criteria: unknown[] };
    expect(body.opportunityId).toBe(FAKE_IDS.opportunity);
    expect(Array.isArray(body.criteria)).toBe(true);
  });

  it('404s an unknown method with the list of known ones', async () => {
    const res = await apex('GtmNope.nothing', {});
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /GtmNope.nothing is not a panel Apex method .*GtmPilotScorecardController.getScorecard/
    );
  });

  it('400s params that break the contract, with the zod message', async () => {
    const res = await apex('GtmSecurityPacketController.recordReviewBlocked', {
      opportunityId: FAKE_IDS.opportunity,
      reason: ''
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /^GtmSecurityPacketController.recordReviewBlocked: reason: /
    );
  });

  it('400s a body that is not JSON', async () => {
    const res = await apex('GtmPilotScorecardController.getScorecard', '{nope');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain('not JSON');
  });

  it('passes a parameter the caller left out as null, like Apex', async () => {
    const res = await apex('GtmPilotScorecardController.updateCriterion', {
      criterionId: 'missing-criterion',
      actualValue: 3
    });
    // status left out -> null -> valid; the fake then reports the unknown criterion as a ControllerError
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain('The criterion was not found');
  });

  it('turns a ControllerError into {message} with status 400', async () => {
    const res = await apex('GtmExpansionTriggerController.getExpansionView', { accountId: FAKE_IDS.failingAccount });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: expect.any(String) });
  });

  it('500s a response that breaks the contract as a contract violation, and logs it', async () => {
    const res = await apex('GtmPilotScorecardController.getScorecard', { opportunityId: FAKE_IDS.driftOpportunity });
    expect(res.status).toBe(500);
    const { message } = (await res.json()) as { message: string };
    expect(message).toMatch(/^contract violation: GtmPilotScorecardController.getScorecard .*criteria/);
    expect(log.some((l) => l.startsWith('contract violation'))).toBe(true);
  });
});

describe('answerApex', () => {
  it('500s an unexpected controller crash with its message and 501s a missing implementation', async () => {
    const crash = await answerApex(
      'GtmSecurityPacketController.getPacketStatus',
      JSON.stringify({ opportunityId: 'x' }),
      {
        'GtmSecurityPacketController.getPacketStatus': async () => {
          throw new TypeError('boom');
        }
      }
    );
    expect(crash).toEqual({
      status: 500,
      body: { message: 'GtmSecurityPacketController.getPacketStatus failed: boom' }
    });
    const missing = await answerApex('GtmSecurityPacketController.getPacketStatus', '{"opportunityId":"x"}', {});
    expect(missing.status).toBe(501);
    const userError = await answerApex('GtmSecurityPacketController.markPacketSent', '{"opportunityId":"x"}', {
      'GtmSecurityPacketController.markPacketSent': async () => {
        throw new ControllerError('The packet was already sent.');
      }
    });
    expect(userError).toEqual({ status: 400, body: { message: 'The packet was already sent.' } });
  });
});

describe('pages and files', () => {
  it('serves the index with links to the records', async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    expect(html).toContain(`href="/lightning/r/Opportunity/${FAKE_IDS.opportunity}/view"`);
    expect(html).toContain(`href="/lightning/r/Account/${FAKE_IDS.account}/view"`);
    // the tour, escaped
    expect(html).toContain('Start here');
    expect(html).toContain('Acme &amp; Co</a>: a pilot &lt;blocked&gt;');
  });

  it('serves a record page that mounts the panels of its flexipage', async () => {
    const html = await (await fetch(`${server.url}/lightning/r/Opportunity/${FAKE_IDS.opportunity}/view`)).text();
    expect(html).toContain('slds-page-header_record-home');
    expect(html).toContain('"tag":"c-pilot-scorecard"');
    expect(html).toContain('"tag":"c-security-packet-status"');
    expect(html).toContain(`"recordId":"${FAKE_IDS.opportunity}"`);
    const account = await (await fetch(`${server.url}/lightning/r/Account/${FAKE_IDS.account}/view`)).text();
    expect(account).toContain('"tag":"c-expansion-trigger-panel"');
  });

  it('404s an unknown record, an unknown page and a path that leaves the asset folders', async () => {
    expect((await fetch(`${server.url}/lightning/r/Account/001NOPE/view`)).status).toBe(404);
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${server.url}/bundle/..%2f..%2fetc%2fpasswd`)).status).toBe(404);
  });

  it('serves the bundle and the SLDS stylesheet', async () => {
    const js = await fetch(`${server.url}/bundle/main.js`);
    expect(js.headers.get('content-type')).toContain('javascript');
    const css = await fetch(`${server.url}/assets/styles/salesforce-lightning-design-system.min.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
  });

  it('names the port and --port when the port is in use', async () => {
    const fakes = createFakePorts();
    await expect(startWorkbenchServer({ bundleDir, ...fakes, port: server.port })).rejects.toThrow(
      new ToolError(`port ${server.port} is in use; pass --port`)
    );
  });
});

describe('answerStage (the stage control of the Opportunity page)', () => {
  const moves: [string, string][] = [];
  const stages = {
    options: async () => ({ current: 'Pilot', stages: ['Pilot', 'Production Approval'] }),
    move: async (id: string, stage: string) => {
      moves.push([id, stage]);
      if (stage === 'Nope') throw new ControllerError('Stage: "Nope" is not a stage of this org');
      return { allowed: true, stageName: stage, message: null, blockers: [], bypassed: false };
    }
  };

  it('passes a well-formed change to the gate and answers what it says', async () => {
    expect(
      await answerStage(JSON.stringify({ opportunityId: 'o1', stageName: 'Production Approval' }), stages)
    ).toEqual([200, { allowed: true, stageName: 'Production Approval', message: null, blockers: [], bypassed: false }]);
    expect(moves).toEqual([['o1', 'Production Approval']]);
  });

  it('400s bad input and a refused stage with a message, without calling the gate for bad input', async () => {
    moves.length = 0;
    expect(await answerStage('{nope', stages)).toEqual([400, { message: 'stage: the request body is not JSON' }]);
    expect((await answerStage(JSON.stringify({ opportunityId: 'o1', stageName: ' ' }), stages))[0]).toBe(400);
    expect(moves).toEqual([]);
    expect(await answerStage(JSON.stringify({ opportunityId: 'o1', stageName: 'Nope' }), stages)).toEqual([
      400,
      { message: 'Stage: "Nope" is not a stage of this org' }
    ]);
    expect(await answerStage('{}', undefined)).toEqual([501, { message: 'this workbench has no stage control' }]);
  });
});
