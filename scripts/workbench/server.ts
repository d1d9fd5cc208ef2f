/**
 * The workbench server: record pages that look like Lightning's (SLDS page header, two columns, the panels placed
 * as the GTM flexipages place them), the compiled bundle, SLDS assets, and POST /api/apex/<Class.method>, which
 * answers every panel call through the PanelControllers port, held to panelContracts.ts on the way in (params)
 * and on the way out (a response that does not match is a 500 "contract violation": that is how drift between
 * the controllers and the contracts shows up in the browser and in the tests).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { z } from 'zod';
import { panelMethods, PanelMethodName } from '../contracts/panelContracts';
import { ToolError } from '../lib/errors';
import { REPO_ROOT } from '../lib/paths';
import { markBundleInUse, packageDir } from './build';
import { ControllerError, PanelControllers, StagePort, WorkbenchData } from './controllerPort';

export const DEFAULT_PORT = 4777;
const MAX_BODY = 1 << 20;

export interface WorkbenchServerOptions {
  /** the bundle folder (buildWorkbench().dir) */
  bundleDir: string;
  controllers: Partial<PanelControllers>;
  data: WorkbenchData;
  /** 0 picks a free port (tests) */
  port?: number;
  host?: string;
  projectDir?: string;
  /** a line under the top bar, e.g. where the data comes from */
  banner?: string;
  /** server-side failures (controller crashes, contract violations), one line each */
  log?: (line: string) => void;
  /** the Opportunity page's stage control (absent: the page has none) */
  stages?: StagePort;
  /** records worth opening first, listed on the index above the tables */
  tour?: readonly { what: string; name: string; path: string }[];
}

export interface WorkbenchServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

type Placement = { target: string; tag: string; missing: string };

/** The record pages the workbench serves. */
export type RecordObject = 'Opportunity' | 'Account' | 'Task';

/**
 * Where the panels go: as force-app/main/default/flexipages/GTM_<Object>_Record_Page places them. A Task has no GTM
 * panel: its page shows the record (the expansion panel links a follow-up Task there).
 */
export const RECORD_PAGES: Record<RecordObject, { main: string[]; side: string[]; icon: string }> = {
  Opportunity: {
    main: ['c-pilot-scorecard'],
    side: ['c-security-packet-status', 'c-hallucination-gate'],
    icon: 'opportunity'
  },
  Account: { main: ['c-expansion-trigger-panel', 'c-pqa-panel'], side: ['c-onboarding-plan'], icon: 'account' },
  Task: { main: [], side: [], icon: 'task' }
};

/** App pages (tabs of the GTM Copilot app), as force-app/main/default/flexipages/GTM_<Name>.flexipage-meta.xml places them. */
export const APP_PAGES: Record<string, { title: string; main: string[]; icon: string }> = {
  Trigger_Queue: { title: 'Trigger Queue', main: ['c-expansion-trigger-queue'], icon: 'task' },
  Pqa_Readout: { title: 'PQA Readout', main: ['c-pqa-readout'], icon: 'report' },
  Program: { title: 'GTM Program', main: ['c-gtm-program'], icon: 'report' }
};

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.json': 'application/json'
};

export const escapeHtml = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!
  );

/** "field: message" for each zod issue. */
export function zodMessage(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}

const tagToFolder = (tag: string) => tag.replace(/^c-/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

// ---------------------------------------------------------------- pages

/** Toasts from ShowToastEvent (lightning__showtoast), shown the way Lightning shows them. */
const SHELL_SCRIPT = `
(function () {
  const region = document.getElementById('wb-toasts');
  function fill(text, data) {
    return String(text || '').replace(/\\{(\\d+)\\}/g, function (m, i) {
      const d = data && data[Number(i)];
      return d === undefined ? m : typeof d === 'object' ? d.label || d.url || '' : String(d);
    });
  }
  document.addEventListener('lightning__showtoast', function (e) {
    const c = e.detail || {};
    const variant = ['success', 'error', 'warning', 'info'].indexOf(c.variant) >= 0 ? c.variant : 'info';
    const toast = document.createElement('div');
    toast.className = 'slds-notify slds-notify_toast slds-theme_' + variant;
    toast.setAttribute('role', variant === 'error' ? 'alert' : 'status');
    toast.dataset.variant = variant;
    const label = document.createElement('span');
    label.className = 'slds-assistive-text';
    label.textContent = variant;
    const content = document.createElement('div');
    content.className = 'slds-notify__content';
    const title = document.createElement('h2');
    title.className = 'slds-text-heading_small wb-toast-title';
    title.textContent = fill(c.title, c.messageData);
    content.appendChild(title);
    if (c.message) {
      const p = document.createElement('p');
      p.className = 'wb-toast-message';
      p.textContent = fill(c.message, c.messageData);
      content.appendChild(p);
    }
    const close = document.createElement('div');
    close.className = 'slds-notify__close';
    const button = document.createElement('button');
    button.className = 'slds-button slds-button_icon slds-button_icon-inverse';
    button.title = 'Close';
    button.setAttribute('aria-label', 'Close');
    button.textContent = '\\u00d7';
    button.style.fontSize = '1.25rem';
    button.addEventListener('click', function () { toast.remove(); });
    close.appendChild(button);
    toast.append(label, content, close);
    region.appendChild(toast);
    if (c.mode !== 'sticky' && variant !== 'error') setTimeout(function () { toast.remove(); }, 8000);
  });
})();
`;

const STYLE = `
html, body { background: #f3f3f3; }
body { min-height: 100vh; }
.wb-topbar { background: #fff; border-bottom: 1px solid #dddbda; padding: .5rem 1rem; display: flex; align-items: center; gap: 1rem; }
.wb-topbar .wb-app { font-weight: 700; font-size: 1rem; color: #080707; }
.wb-banner { font-size: .75rem; color: #3e3e3c; }
.wb-main { padding: .75rem; }
/* the highlight fields wrap onto a second line rather than run past the header at 1024 px (issue 13) */
.slds-page-header__detail-row { flex-wrap: wrap; row-gap: .5rem; }
.slds-page-header__detail-block { min-width: 0; }
/* the stage gate's refusal: the trigger's message, then each blocker on its own line */
.wb-stage-refused { display: block; text-align: left; }
.wb-stage-refused .wb-stage-message { font-weight: 700; }
/* the index tables side by side only from 80em; their cells wrap rather than run under the next card */
.wb-index-table th, .wb-index-table td { white-space: normal; overflow-wrap: anywhere; }
/* a Task's comments keep their lines (the playbook, then one evidence line per week) */
.slds-form-element__static { white-space: pre-line; }
#wb-toasts { position: fixed; top: 3.5rem; left: 0; right: 0; z-index: 9000; display: flex; flex-direction: column; align-items: center; pointer-events: none; }
#wb-toasts .slds-notify_toast { pointer-events: auto; min-width: 30rem; }
`;

function layout(title: string, banner: string | undefined, body: string, script = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} | GTM workbench</title>
<link rel="stylesheet" href="/assets/styles/salesforce-lightning-design-system.min.css">
<style>${STYLE}</style>
</head>
<body>
<header class="wb-topbar">
  <a class="wb-app" href="/">GTM Copilot</a>
  <span class="slds-badge">Local workbench</span>
  ${banner ? `<span class="wb-banner">${escapeHtml(banner)}</span>` : ''}
</header>
<main class="wb-main" id="wb-main">
${body}
</main>
<div id="wb-toasts" aria-live="polite"></div>
<script>${SHELL_SCRIPT}</script>
${script}
</body>
</html>
`;
}

function pageHeader(objectName: string, icon: string, name: string, fields: { label: string; value: string }[]) {
  const details = fields
    .map(
      (f) => `<li class="slds-page-header__detail-block">
        <div class="slds-text-title slds-truncate" title="${escapeHtml(f.label)}">${escapeHtml(f.label)}</div>
        <div class="slds-truncate" title="${escapeHtml(f.value)}">${escapeHtml(f.value)}</div>
      </li>`
    )
    .join('\n');
  return `<div class="slds-page-header slds-page-header_record-home">
  <div class="slds-page-header__row">
    <div class="slds-page-header__col-title">
      <div class="slds-media">
        <div class="slds-media__figure">
          <span class="slds-icon_container slds-icon-standard-${icon}" title="${escapeHtml(objectName)}">
            <svg class="slds-icon slds-page-header__icon" aria-hidden="true"><use href="/assets/icons/standard-sprite/svg/symbols.svg#${icon}"></use></svg>
          </span>
        </div>
        <div class="slds-media__body">
          <div class="slds-page-header__name">
            <div class="slds-page-header__name-title">
              <h1>
                <span>${escapeHtml(objectName)}</span>
                <span class="slds-page-header__title slds-truncate wb-record-name" title="${escapeHtml(name)}">${escapeHtml(name)}</span>
              </h1>
            </div>
          </div>
        </div>
      </div>
    </div>
  </div>
  ${fields.length ? `<div class="slds-page-header__row slds-page-header__row_gutters"><div class="slds-page-header__col-details"><ul class="slds-page-header__detail-row">${details}</ul></div></div>` : ''}
</div>`;
}

function detailsCard(fields: { label: string; value: string }[]): string {
  const items = fields
    .map(
      (
        f
      ) => `<div class="slds-form__row"><div class="slds-form__item" role="listitem"><div class="slds-form-element slds-form-element_readonly slds-form-element_stacked">
        <span class="slds-form-element__label">${escapeHtml(f.label)}</span>
        <div class="slds-form-element__control"><div class="slds-form-element__static">${escapeHtml(f.value)}</div></div>
      </div></div></div>`
    )
    .join('\n');
  return `<article class="slds-card slds-m-bottom_small">
  <div class="slds-card__header slds-grid"><header class="slds-media slds-media_center slds-has-flexi-truncate"><div class="slds-media__body"><h2 class="slds-card__header-title">Details</h2></div></header></div>
  <div class="slds-card__body slds-card__body_inner"><div class="slds-form" role="list">${items}</div></div>
</article>`;
}

function mountScript(placements: Placement[], props: Record<string, string>): string {
  const list = placements.map((p) => ({ ...p, props }));
  return `<script type="module">
import { mount } from '/bundle/main.js';
mount(${JSON.stringify(list).replace(/</g, '\\u003c')});
</script>`;
}

function placementsFor(tags: string[], target: string): Placement[] {
  return tags.map((tag) => ({
    target,
    tag,
    missing: `force-app/main/default/lwc/${tagToFolder(tag)} has no ${tagToFolder(tag)}.js yet (restart gtm workbench after adding it)`
  }));
}

/**
 * Lightning's stage path stands in as a stage picker: a change goes through the trigger's gates (POST
 * /api/workbench/stage), a refusal shows the trigger's message and each blocker as the org's record edit does.
 */
const STAGE_SCRIPT = `
(function () {
  const form = document.getElementById('wb-stage-form');
  if (!form) return;
  const error = document.getElementById('wb-stage-error');
  form.addEventListener('submit', async function (e) {
    e.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    error.replaceChildren();
    try {
      const res = await fetch('/api/workbench/stage', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ opportunityId: form.dataset.id, stageName: form.elements.stageName.value })
      });
      const answer = await res.json();
      if (res.ok && answer.allowed) { location.reload(); return; }
      const box = document.createElement('div');
      box.className = 'slds-notify slds-notify_alert slds-alert_error wb-stage-refused';
      box.setAttribute('role', 'alert');
      const h = document.createElement('h2');
      h.className = 'wb-stage-message';
      h.textContent = answer.allowed === false
        ? answer.message.slice(0, answer.message.indexOf('. ') >= 0 ? answer.message.indexOf('. ') : undefined)
        : answer.message;
      box.appendChild(h);
      if (answer.blockers && answer.blockers.length) {
        const ul = document.createElement('ul');
        ul.className = 'slds-list_dotted wb-stage-blockers';
        for (const b of answer.blockers) { const li = document.createElement('li'); li.textContent = b; ul.appendChild(li); }
        box.appendChild(ul);
      }
      error.appendChild(box);
    } catch (err) {
      error.textContent = 'The stage could not be saved: ' + err;
    } finally {
      button.disabled = false;
    }
  });
})();
`;

function stageControl(id: string, current: string | null, stages: string[]): string {
  const options = stages
    .map((s) => `<option value="${escapeHtml(s)}"${s === current ? ' selected' : ''}>${escapeHtml(s)}</option>`)
    .join('');
  return `<article class="slds-card slds-m-top_small" data-id="stage">
  <div class="slds-card__body slds-card__body_inner slds-p-vertical_x-small">
    <form id="wb-stage-form" data-id="${escapeHtml(id)}" class="slds-grid slds-wrap slds-grid_vertical-align-end" style="gap:.5rem">
      <div class="slds-form-element">
        <label class="slds-form-element__label" for="wb-stage">Stage</label>
        <div class="slds-form-element__control"><div class="slds-select_container">
          <select class="slds-select" id="wb-stage" name="stageName">${options}</select>
        </div></div>
      </div>
      <button type="submit" class="slds-button slds-button_brand" data-action="save-stage">Mark as Current Stage</button>
    </form>
    <div id="wb-stage-error" class="slds-m-top_x-small"></div>
  </div>
</article>`;
}

function recordPage(
  objectName: RecordObject,
  id: string,
  header: { name: string; fields: { label: string; value: string }[] },
  options: WorkbenchServerOptions,
  stage = ''
): string {
  const page = RECORD_PAGES[objectName];
  // force:detailPanel stands in as a Details card: under the main panels, or alone in an empty sidebar
  const details = detailsCard(header.fields);
  // a record without panels (a Task) shows its details in the main column
  const detailsInMain = page.side.length > 0 || page.main.length === 0;
  const body = `${pageHeader(objectName, page.icon, header.name, header.fields)}
${stage}
<div class="slds-grid slds-gutters_small slds-wrap slds-m-top_small">
  <div class="slds-col slds-size_1-of-1 slds-large-size_8-of-12">
    <div id="region-main"></div>
    ${detailsInMain ? details : ''}
  </div>
  <div class="slds-col slds-size_1-of-1 slds-large-size_4-of-12" id="region-side">${detailsInMain ? '' : details}</div>
</div>`;
  const placements = [...placementsFor(page.main, '#region-main'), ...placementsFor(page.side, '#region-side')];
  return layout(
    `${header.name} | ${objectName}`,
    options.banner,
    body,
    mountScript(placements, { recordId: id, objectApiName: objectName }) +
      (stage ? `<script>${STAGE_SCRIPT}</script>` : '')
  );
}

function appPage(name: string, options: WorkbenchServerOptions): string {
  const page = APP_PAGES[name]!;
  const body = `${pageHeader('GTM Copilot', page.icon, page.title, [])}
<div class="slds-m-top_small" id="region-main"></div>`;
  return layout(page.title, options.banner, body, mountScript(placementsFor(page.main, '#region-main'), {}));
}

function probePage(id: string, options: WorkbenchServerOptions): string {
  const body = `${pageHeader('Opportunity', 'opportunity', `Workbench probe: ${id}`, [])}
<div class="slds-m-top_small" id="region-main"></div>`;
  return layout(
    'Workbench probe',
    options.banner,
    body,
    mountScript([{ target: '#region-main', tag: 'wb-probe', missing: 'the bundle has no probe' }], {
      recordId: id,
      objectApiName: 'Opportunity'
    })
  );
}

function tourCard(tour: WorkbenchServerOptions['tour']): string {
  if (!tour || tour.length === 0) return '';
  const items = tour
    .map(
      (stop) =>
        `<li class="slds-item"><a href="${escapeHtml(stop.path)}">${escapeHtml(stop.name)}</a>: ${escapeHtml(stop.what)}</li>`
    )
    .join('');
  return `<article class="slds-card slds-m-bottom_small" data-id="tour">
  <div class="slds-card__header slds-grid"><header class="slds-media slds-media_center"><div class="slds-media__body"><h2 class="slds-card__header-title">Start here</h2></div></header></div>
  <div class="slds-card__body slds-card__body_inner"><ul class="slds-list_dotted">${items}</ul></div>
</article>`;
}

async function indexPage(options: WorkbenchServerOptions): Promise<string> {
  const [accounts, opportunities] = await Promise.all([options.data.listAccounts(), options.data.listOpportunities()]);
  const link = (object: string, id: string, name: string) =>
    `<a href="/lightning/r/${object}/${encodeURIComponent(id)}/view">${escapeHtml(name)}</a>`;
  const tableOf = (
    caption: string,
    head: string[],
    rows: string[][]
  ) => `<article class="slds-card slds-m-bottom_small">
  <div class="slds-card__header slds-grid"><header class="slds-media slds-media_center"><div class="slds-media__body"><h2 class="slds-card__header-title">${escapeHtml(caption)} (${rows.length})</h2></div></header></div>
  <div class="slds-card__body">
  <table class="slds-table slds-table_cell-buffer slds-table_bordered wb-index-table">
    <thead><tr class="slds-line-height_reset">${head.map((h) => `<th scope="col"><div class="slds-truncate">${escapeHtml(h)}</div></th>`).join('')}</tr></thead>
    <tbody>${rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('\n')}</tbody>
  </table></div>
</article>`;
  const body = `<div class="slds-page-header slds-m-bottom_small"><div class="slds-page-header__row"><div class="slds-page-header__col-title"><h1 class="slds-page-header__title">Records</h1>
<p class="slds-page-header__name-meta">Open a record to see its panels, answered from the local store.</p></div></div></div>
<article class="slds-card slds-m-bottom_small" data-id="app-pages">
  <div class="slds-card__header slds-grid"><header class="slds-media slds-media_center"><div class="slds-media__body"><h2 class="slds-card__header-title">App pages</h2></div></header></div>
  <div class="slds-card__body slds-card__body_inner"><ul class="slds-list_dotted">${Object.entries(APP_PAGES)
    .map(([name, page]) => `<li class="slds-item"><a href="/lightning/n/${name}">${escapeHtml(page.title)}</a></li>`)
    .join('')}</ul></div>
</article>
${tourCard(options.tour)}
<div class="slds-grid slds-gutters_small slds-wrap">
<div class="slds-col slds-size_1-of-1 slds-x-large-size_7-of-12">${tableOf(
    'Opportunities',
    ['Name', 'Account', 'Stage', 'Close date'],
    opportunities.map((o) => [
      link('Opportunity', o.id, o.name),
      escapeHtml(o.accountName ?? ''),
      escapeHtml(o.stageName ?? ''),
      escapeHtml(o.closeDate ?? '')
    ])
  )}</div>
<div class="slds-col slds-size_1-of-1 slds-x-large-size_5-of-12">${tableOf(
    'Accounts',
    ['Name', 'Segment'],
    accounts.map((a) => [link('Account', a.id, a.name), escapeHtml(a.segment ?? '')])
  )}</div>
</div>`;
  return layout('Records', options.banner, body);
}

function messagePage(title: string, message: string, options: WorkbenchServerOptions): string {
  return layout(
    title,
    options.banner,
    `<div class="slds-box slds-theme_default"><h1 class="slds-text-heading_medium slds-m-bottom_small">${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p><p class="slds-m-top_small"><a href="/">All records</a></p></div>`
  );
}

// ---------------------------------------------------------------- apex

export interface ApexAnswer {
  status: number;
  body: unknown;
}

/** One Apex call: params checked and nulled like Apex, the controller run, its answer held to the contract. */
export async function answerApex(
  name: string,
  rawBody: string,
  controllers: Partial<PanelControllers>,
  log: (line: string) => void = () => {}
): Promise<ApexAnswer> {
  if (!Object.prototype.hasOwnProperty.call(panelMethods, name)) {
    return {
      status: 404,
      body: {
        message: `${name} is not a panel Apex method (scripts/contracts/panelContracts.ts lists ${Object.keys(panelMethods).length}: ${Object.keys(panelMethods).join(', ')})`
      }
    };
  }
  const method = name as PanelMethodName;
  const def = panelMethods[method];
  let input: unknown;
  try {
    input = rawBody.trim() === '' ? {} : JSON.parse(rawBody);
  } catch {
    return { status: 400, body: { message: `${name}: the request body is not JSON` } };
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { status: 400, body: { message: `${name}: the parameters must be a JSON object` } };
  }
  // Apex passes a parameter the caller left out as null
  const withNulls: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const key of Object.keys(def.params.shape)) if (withNulls[key] === undefined) withNulls[key] = null;
  const params = def.params.safeParse(withNulls);
  if (!params.success) return { status: 400, body: { message: `${name}: ${zodMessage(params.error)}` } };
  const impl = controllers[method] as ((p: unknown) => Promise<unknown>) | undefined;
  if (!impl) return { status: 501, body: { message: `${name} is not implemented in the workbench yet` } };
  let result: unknown;
  try {
    result = await impl(params.data);
  } catch (err) {
    if (err instanceof ControllerError) return { status: 400, body: { message: err.message } };
    const message = err instanceof Error ? err.message : String(err);
    log(`${name} failed: ${message}`);
    return { status: 500, body: { message: `${name} failed: ${message}` } };
  }
  const checked = def.returns.safeParse(result);
  if (!checked.success) {
    const message = `contract violation: ${name} returned a response panelContracts.ts does not allow (${zodMessage(checked.error)})`;
    log(message);
    return { status: 500, body: { message } };
  }
  return { status: 200, body: checked.data };
}

/** A stage change from the stage control: 400 with a message for bad input, else the gate's answer. */
export async function answerStage(rawBody: string, stages: StagePort | undefined): Promise<[number, unknown]> {
  if (!stages) return [501, { message: 'this workbench has no stage control' }];
  let input: { opportunityId?: unknown; stageName?: unknown };
  try {
    input = JSON.parse(rawBody) as typeof input;
  } catch {
    return [400, { message: 'stage: the request body is not JSON' }];
  }
  if (typeof input?.opportunityId !== 'string' || typeof input.stageName !== 'string' || !input.stageName.trim()) {
    return [400, { message: 'stage: send {"opportunityId": "<id>", "stageName": "<stage>"}' }];
  }
  try {
    return [200, await stages.move(input.opportunityId, input.stageName)];
  } catch (err) {
    if (err instanceof ControllerError) return [400, { message: err.message }];
    throw err;
  }
}

// ---------------------------------------------------------------- http

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, cache = 'no-store') {
  res.writeHead(status, { 'content-type': type, 'cache-control': cache, 'x-content-type-options': 'nosniff' });
  res.end(body);
}

const sendJson = (res: http.ServerResponse, status: number, body: unknown) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));

/** A file under root, or null when the path leaves it or does not exist. */
function fileUnder(root: string, rel: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return null;
  }
  const file = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  try {
    return fs.statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('the request body is larger than 1 MB'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function createWorkbenchHandler(options: WorkbenchServerOptions) {
  const projectDir = options.projectDir ?? REPO_ROOT;
  const assetsDir = path.join(packageDir('@salesforce-ux/design-system', projectDir), 'assets');
  const bundleDir = path.resolve(options.bundleDir);
  const log = options.log ?? (() => {});
  const html = (res: http.ServerResponse, status: number, body: string) =>
    send(res, status, 'text/html; charset=utf-8', body);

  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://workbench.local');
    const p = url.pathname;
    try {
      if (req.method === 'POST' && p === '/api/workbench/stage') {
        return sendJson(res, ...(await answerStage(await readBody(req), options.stages)));
      }
      if (req.method === 'POST' && p.startsWith('/api/apex/')) {
        let raw: string;
        try {
          raw = await readBody(req);
        } catch (err) {
          return sendJson(res, 413, { message: (err as Error).message });
        }
        const answer = await answerApex(
          decodeURIComponent(p.slice('/api/apex/'.length)),
          raw,
          options.controllers,
          log
        );
        return sendJson(res, answer.status, answer.body);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendJson(res, 405, { message: `${req.method} ${p} is not supported` });
      }
      if (p === '/') return html(res, 200, await indexPage(options));
      if (p === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
      const record = /^\/lightning\/r\/(Opportunity|Account|Task)\/([^/]+)\/view\/?$/.exec(p);
      if (record) {
        const objectName = record[1] as RecordObject;
        const id = decodeURIComponent(record[2]!);
        const header = await options.data.recordHeader(objectName, id);
        if (!header)
          return html(
            res,
            404,
            messagePage(`${objectName} not found`, `There is no ${objectName} with id ${id} in the store.`, options)
          );
        let stage = '';
        if (objectName === 'Opportunity' && options.stages) {
          const s = await options.stages.options(id);
          stage = stageControl(id, s.current, s.stages);
        }
        return html(res, 200, recordPage(objectName, id, header, options, stage));
      }
      const app = /^\/lightning\/n\/([^/]+)\/?$/.exec(p);
      if (app) {
        const name = decodeURIComponent(app[1]!);
        if (!Object.prototype.hasOwnProperty.call(APP_PAGES, name))
          return html(res, 404, messagePage('Page not found', `The workbench has no app page ${name}.`, options));
        return html(res, 200, appPage(name, options));
      }
      const probe = /^\/workbench\/probe\/([^/]+)\/?$/.exec(p);
      if (probe) return html(res, 200, probePage(decodeURIComponent(probe[1]!), options));
      for (const [prefix, root, cache] of [
        ['/assets/', assetsDir, 'public, max-age=3600'],
        ['/bundle/', bundleDir, 'no-cache']
      ] as const) {
        if (p.startsWith(prefix)) {
          const file = fileUnder(root, p.slice(prefix.length));
          if (!file) return send(res, 404, 'text/plain; charset=utf-8', `not found: ${p}`);
          return send(res, 200, TYPES[path.extname(file)] ?? 'application/octet-stream', fs.readFileSync(file), cache);
        }
      }
      return html(res, 404, messagePage('Page not found', `The workbench has no page at ${p}.`, options));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log(`${req.method} ${p} failed: ${message}`);
      if (!res.headersSent) {
        if (p.startsWith('/api/')) sendJson(res, 500, { message });
        else html(res, 500, messagePage('The workbench failed', message, options));
      } else res.end();
    }
  };
}

/** Starts the server; a port in use is a ToolError telling the user to pass --port. */
export async function startWorkbenchServer(options: WorkbenchServerOptions): Promise<WorkbenchServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_PORT;
  const handler = createWorkbenchHandler(options);
  const server = http.createServer((req, res) => void handler(req, res));
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') reject(new ToolError(`port ${port} is in use; pass --port`));
      else if (err.code === 'EACCES') reject(new ToolError(`port ${port} is not allowed for this user; pass --port`));
      else reject(new ToolError(`the workbench server cannot listen on ${host}:${port}: ${err.message}`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  const actual = (server.address() as AddressInfo).port;
  const release = markBundleInUse(path.resolve(options.bundleDir));
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        release();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      })
  };
}
