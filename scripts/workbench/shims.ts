/**
 * The platform modules a Lightning page gives components and the npm packages do not: `@salesforce/apex/*`,
 * `@salesforce/schema/*`, `@salesforce/user/*`, `lightning/uiRecordApi`, `lightning/platformShowToastEvent`,
 * `lightning/refresh`, `lightning/navigation` and a few more, as a rollup plugin of virtual modules. The browser
 * code is kept here as text (ES2020, no framework) so the shims are part of the build's cache key.
 *
 * Apex: `@salesforce/apex/Class.method` POSTs the params as JSON to /api/apex/Class.method and resolves with the
 * JSON result, or rejects with `{ status, body: { message } }` like Lightning does. For a cacheable method the
 * default export also carries a wire adapter (LWC engine 8 accepts callable adapters), so one import works
 * imperatively and with `@wire`; `refreshApex` re-fetches a wired value.
 */
import type { Plugin } from 'rollup';
import { panelMethods } from '../contracts/panelContracts';

const PREFIX = '\0gtm-shim:';
export const RUNTIME = 'gtm-workbench/runtime';

/** The running user of the workbench: a Salesforce-style user id. */
export const WORKBENCH_USER_ID = '005L00000000000001';

const RUNTIME_SOURCE = String.raw`
const refreshers = new WeakMap();

function apexError(status, statusText, message) {
  return {
    status,
    statusText,
    ok: false,
    headers: {},
    body: { message, exceptionType: status === 400 ? 'System.AuraHandledException' : '', isUserDefinedException: status === 400, stackTrace: '' }
  };
}

export async function callApex(name, params) {
  let res;
  try {
    res = await fetch('/api/apex/' + encodeURIComponent(name), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params === undefined || params === null ? {} : params)
    });
  } catch (e) {
    throw apexError(0, 'network error', 'The workbench server cannot be reached (' + (e && e.message) + '). Is gtm workbench still running?');
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (!res.ok) {
    const message = json && typeof json.message === 'string' ? json.message : text || res.statusText;
    throw apexError(res.status, res.statusText, message);
  }
  return json;
}

function hasUndefined(config) {
  return !config || Object.keys(config).some((k) => config[k] === undefined);
}

/** Apex method export: callable, and for cacheable methods a wire adapter too. */
export function apexMethod(name, cacheable) {
  const fn = function (params) {
    return callApex(name, params);
  };
  if (cacheable) {
    fn.adapter = class ApexWireAdapter {
      constructor(dataCallback) {
        this.dataCallback = dataCallback;
        this.config = undefined;
        this.seq = 0;
        this.connected = false;
      }
      connect() {
        this.connected = true;
      }
      disconnect() {
        this.connected = false;
        this.seq++;
      }
      update(config) {
        this.config = config;
        // like Lightning: no call until every reactive parameter has a value
        if (hasUndefined(config)) return;
        this.fetch();
      }
      fetch() {
        const seq = ++this.seq;
        const emit = (value) => {
          if (seq !== this.seq) return;
          refreshers.set(value, () => this.fetch());
          this.dataCallback(value);
        };
        return callApex(name, this.config).then(
          (data) => emit({ data, error: undefined }),
          (error) => emit({ data: undefined, error })
        );
      }
    };
  }
  return fn;
}

/** refreshApex(wiredValue): fetch that wire again; resolves when the new value was provisioned. */
export function refreshApex(value) {
  const refresh = value && refreshers.get(value);
  return refresh ? refresh() : Promise.resolve(undefined);
}

/** A wire adapter class that provisions a value computed from its config. */
export function staticAdapter(compute) {
  return class StaticAdapter {
    constructor(dataCallback) {
      this.dataCallback = dataCallback;
    }
    connect() {}
    disconnect() {}
    update(config) {
      Promise.resolve().then(() => this.dataCallback(compute(config || {})));
    }
  };
}
`;

function apexModule(name: string, cacheable: boolean): string {
  return `import { apexMethod } from '${RUNTIME}';\nexport default apexMethod(${JSON.stringify(name)}, ${cacheable});\n`;
}

const FIXED: Record<string, string> = {
  [RUNTIME]: RUNTIME_SOURCE,

  '@salesforce/apex': `export { refreshApex } from '${RUNTIME}';
export function getSObjectValue(record, field) {
  const name = typeof field === 'string' ? field : field && field.fieldApiName;
  return name ? String(name).split('.').reduce((v, k) => (v == null ? undefined : v[k]), record) : undefined;
}
`,

  'lightning/platformShowToastEvent': `export class ShowToastEvent extends CustomEvent {
  constructor(config) {
    super('lightning__showtoast', { bubbles: true, composed: true, cancelable: true, detail: config });
  }
}
`,

  'lightning/refresh': `export class RefreshEvent extends CustomEvent {
  constructor() {
    super('lightning__refreshevent', { bubbles: true, composed: true, cancelable: true });
  }
}
export function registerRefreshHandler() { return 1; }
export function unregisterRefreshHandler() {}
export function registerRefreshContainer() { return 1; }
export function unregisterRefreshContainer() {}
export const REFRESH_ERROR = 'error';
export const REFRESH_COMPLETE = 'complete';
export const REFRESH_COMPLETE_WITH_ERRORS = 'errors';
`,

  'lightning/uiRecordApi': `import { staticAdapter } from '${RUNTIME}';
const fieldName = (f) => (typeof f === 'string' ? f.split('.').slice(1).join('.') || f : f && f.fieldApiName);
export const getRecord = staticAdapter((config) => ({
  data: { id: config.recordId, apiName: null, fields: {} },
  error: undefined
}));
export const getRecords = staticAdapter(() => ({ data: { results: [] }, error: undefined }));
export const getRecordUi = staticAdapter(() => ({ data: undefined, error: undefined }));
export function getFieldValue(record, field) {
  const name = fieldName(field);
  const f = record && record.fields && name ? record.fields[name] : undefined;
  return f ? f.value : undefined;
}
export function getFieldDisplayValue(record, field) {
  const name = fieldName(field);
  const f = record && record.fields && name ? record.fields[name] : undefined;
  return f ? (f.displayValue == null ? f.value : f.displayValue) : undefined;
}
export function updateRecord(recordInput) { return Promise.resolve({ id: recordInput && recordInput.fields && recordInput.fields.Id, fields: {} }); }
export function createRecord(recordInput) { return Promise.resolve({ id: 'a0ZL00000000000001', apiName: recordInput && recordInput.apiName, fields: {} }); }
export function deleteRecord() { return Promise.resolve(); }
export function getRecordNotifyChange() {}
export function notifyRecordUpdateAvailable() { return Promise.resolve(); }
export function generateRecordInputForCreate(record) { return { apiName: record && record.apiName, fields: {} }; }
export function generateRecordInputForUpdate(record) { return { fields: { Id: record && record.id } }; }
`,

  'lightning/uiObjectInfoApi': `import { staticAdapter } from '${RUNTIME}';
export const getObjectInfo = staticAdapter((config) => ({ data: { apiName: config.objectApiName, fields: {}, recordTypeInfos: {} }, error: undefined }));
export const getObjectInfos = staticAdapter(() => ({ data: { results: [] }, error: undefined }));
export const getPicklistValues = staticAdapter(() => ({ data: { values: [] }, error: undefined }));
export const getPicklistValuesByRecordType = staticAdapter(() => ({ data: { picklistFieldValues: {} }, error: undefined }));
`,

  'lightning/navigation': `export { NavigationMixin, CurrentPageReference } from 'force/navigation';`,

  'force/navigation': `import { staticAdapter } from '${RUNTIME}';
const Navigate = Symbol('Navigate');
const GenerateUrl = Symbol('GenerateUrl');
function urlFor(ref) {
  const a = (ref && ref.attributes) || {};
  if (ref && ref.type === 'standard__recordPage' && a.recordId) {
    const object = a.objectApiName || (String(a.recordId).startsWith('001') ? 'Account' : 'Opportunity');
    return '/lightning/r/' + object + '/' + encodeURIComponent(a.recordId) + '/' + (a.actionName || 'view');
  }
  return '#';
}
/** Passes the class through, adding the two navigation methods; navigating only follows record pages. */
export function NavigationMixin(Base) {
  return class extends Base {
    [Navigate](ref) {
      const url = urlFor(ref);
      if (url !== '#') window.location.assign(url);
    }
    [GenerateUrl](ref) {
      return Promise.resolve(urlFor(ref));
    }
  };
}
NavigationMixin.Navigate = Navigate;
NavigationMixin.GenerateUrl = GenerateUrl;
export const CurrentPageReference = staticAdapter(() => {
  const m = /^\\/lightning\\/r\\/(\\w+)\\/([^/]+)\\/view/.exec(window.location.pathname);
  return m
    ? { type: 'standard__recordPage', attributes: { objectApiName: m[1], recordId: decodeURIComponent(m[2]), actionName: 'view' }, state: {} }
    : { type: 'standard__namedPage', attributes: { pageName: 'home' }, state: {} };
});
`,

  // one page-wide bus, as Lightning Message Service is on a record page: publish reaches every subscriber of the
  // channel (the publisher too, when it subscribed), each in its own task
  'lightning/messageService': `import { staticAdapter } from '${RUNTIME}';
const subscriptions = new Set();
export const MessageContext = staticAdapter(() => ({}));
export function publish(context, channel, message) {
  for (const s of Array.from(subscriptions)) {
    if (s.channel === channel) setTimeout(() => { if (subscriptions.has(s)) s.listener(message); }, 0);
  }
}
export function subscribe(context, channel, listener) {
  const s = { channel, listener };
  subscriptions.add(s);
  return s;
}
export function unsubscribe(subscription) { subscriptions.delete(subscription); }
export function createMessageContext() { return {}; }
export function releaseMessageContext() {}
export const APPLICATION_SCOPE = 'APPLICATION_SCOPE';
`,

  'lightning/actions': `export class CloseActionScreenEvent extends CustomEvent {
  constructor() {
    super('lightning__actionsclosescreen', { bubbles: true, composed: true });
  }
}
`,

  // lightning-base-components opens every gate in its stub; this one makes lightning-combobox call
  // attachInternals(), which synthetic shadow (what Lightning Experience and the workbench run) does not support
  '@salesforce/gate/bc.260.enableComboboxElementInternals': 'export default { isOpen: () => false };',

  '@salesforce/user/Id': `export default ${JSON.stringify(WORKBENCH_USER_ID)};`,
  '@salesforce/user/isGuest': 'export default false;',
  '@salesforce/community/Id': 'export default undefined;',
  '@salesforce/community/basePath': "export default '';"
};

/** The module text for a specifier, or undefined when it is not one the workbench supplies. */
export function shimSource(specifier: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(FIXED, specifier)) return FIXED[specifier];
  let m = /^@salesforce\/apex\/(?:\w+\.)?(\w+)\.(\w+)$/.exec(specifier);
  if (m) {
    const name = `${m[1]}.${m[2]}`;
    const def = (panelMethods as Record<string, { cacheable: boolean } | undefined>)[name];
    // an unknown method still builds: the server answers it with a readable 404
    return apexModule(name, def ? def.cacheable : true);
  }
  m = /^@salesforce\/schema\/(\w+)(?:\.([\w.]+))?$/.exec(specifier);
  if (m) {
    const value = m[2] ? { objectApiName: m[1], fieldApiName: m[2] } : { objectApiName: m[1] };
    return `export default ${JSON.stringify(value)};`;
  }
  m = /^@salesforce\/label\/c\.(\w+)$/.exec(specifier);
  if (m) return `export default ${JSON.stringify(m[1])};`;
  m = /^@salesforce\/(?:resourceUrl|contentAssetUrl)\/(\w+)$/.exec(specifier);
  if (m) return `export default ${JSON.stringify(`/resource/${m[1]}`)};`;
  if (/^@salesforce\/(?:customPermission|userPermission)\/\w+$/.test(specifier)) return 'export default true;';
  if (/^@salesforce\/messageChannel\/[\w.]+$/.test(specifier))
    return `export default ${JSON.stringify(specifier.slice('@salesforce/messageChannel/'.length))};`;
  return undefined;
}

/** The rollup plugin: resolves the platform specifiers above to virtual modules. Put it before the LWC plugin. */
export function salesforceShims(): Plugin {
  return {
    name: 'gtm-salesforce-shims',
    resolveId(source) {
      return shimSource(source) === undefined ? null : `${PREFIX}${source}`;
    },
    load(id) {
      return id.startsWith(PREFIX) ? (shimSource(id.slice(PREFIX.length)) ?? null) : null;
    }
  };
}
