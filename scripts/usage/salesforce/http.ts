/**
 * One HTTP request to the org, through the connection's own jsforce transport (auth header, proxy, API version) but
 * with jsforce's automatic behaviour switched off, because each of them can lose rows (measured in TOOLCHAIN.md):
 * - jsforce's retry re-sends a PUT with its already-consumed body stream, i.e. an EMPTY upload; here retries are
 *   the caller's (retry.ts), and every attempt builds a new request from the full body string;
 * - jsforce's session refresh re-sends the same consumed stream (a PUT that never ends); here a 401 refreshes once
 *   (when the connection can refresh at all) and then sends a new request;
 * - jsforce turns every error answer into an Error and parses CSV with its own parser; here the caller gets the
 *   status, headers and the body text and decides.
 * Access tokens never appear in an error message: only the status, Salesforce's errorCode and its message.
 */
import type { Connection, HttpMethods, HttpResponse, Schema } from 'jsforce';
import { HttpApi } from 'jsforce/lib/http-api';

export interface ApiResponse {
  status: number;
  /** header names in lower case */
  headers: Record<string, string>;
  body: string;
}

export interface ApiRequest {
  method: HttpMethods;
  /** relative to /services/data/vXX.X/, e.g. `jobs/ingest`; or from the instance's root when it starts with `/` */
  path: string;
  body?: string;
  contentType?: string;
  accept?: string;
}

/** No answer at all (reset, refused, timed out): the request may or may not have been applied by the org. */
export class NetworkError extends Error {
  constructor(
    readonly step: string,
    cause: unknown
  ) {
    super(`${step}: no answer from the org (${(cause as Error | undefined)?.message ?? String(cause)})`, { cause });
  }
}

/** An error answer, with Salesforce's errorCode and message when the body has them. */
export class ApiError extends Error {
  constructor(
    readonly step: string,
    readonly status: number,
    readonly errorCode: string,
    readonly detail: string
  ) {
    super(`${step}: HTTP ${status} ${errorCode}: ${detail}`);
  }
}

/** 401 INVALID_SESSION_ID, after a refresh (when the connection can refresh) did not help. */
export class SessionExpiredError extends Error {
  readonly errorCode = 'INVALID_SESSION_ID';
  constructor(readonly step: string) {
    super(`${step}: INVALID_SESSION_ID: the session has expired or was revoked`);
  }
}

/** jsforce's HttpApi minus its error parsing and session refresh: every answer comes back as it is. */
class RawHttpApi extends HttpApi<Schema> {
  override getRefreshDelegate(): undefined {
    return undefined;
  }
  override isErrorResponse(): boolean {
    return false;
  }
  override async getResponseBody(response: HttpResponse): Promise<HttpResponse> {
    return response;
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Text for one error line: entities decoded, control characters and runs of blanks made one space, cut short. */
function cleanText(text: string, max = 160): string {
  const plain = text
    .replace(/&(#\d+|#x[0-9a-f]+|\w+);/gi, (m, e: string) => {
      if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? m;
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1));
      return code >= 32 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
    })
    // control characters (\s covers tab and the line breaks) and runs of blanks become one space
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .trim();
  return plain.length > max ? `${plain.slice(0, max - 3).trimEnd()}...` : plain;
}

/**
 * A page a gateway, proxy or maintenance screen sends instead of the API's answer: its title (else its first
 * heading, else its text), never the markup, scripts or styles.
 */
function describeHtml(body: string): string {
  const pick = (tag: string) => new RegExp(`<${tag}\\b[^>]*>([\\s\\S]*?)</${tag}>`, 'i').exec(body)?.[1];
  const strip = (html: string) =>
    html
      .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<[^>]*>/g, ' ');
  for (const part of [pick('title'), pick('h1'), strip(body)]) {
    const text = part === undefined ? '' : cleanText(strip(part));
    if (text) return `an HTML page: ${text}`;
  }
  return 'an HTML page without text';
}

/**
 * `[{"message","errorCode"}]` (REST) or `{"message","errorCode"}`; an HTML page by its title; otherwise the start
 * of the body as one clean line.
 */
function describeErrorBody(body: string, contentType = ''): { errorCode: string; message: string } {
  try {
    const parsed: unknown = JSON.parse(body);
    const first = (Array.isArray(parsed) ? parsed[0] : parsed) as
      | { errorCode?: unknown; message?: unknown }
      | undefined;
    if (first && typeof first.message === 'string') {
      return { errorCode: String(first.errorCode ?? ''), message: first.message };
    }
  } catch {
    // not JSON: fall through
  }
  if (/html/i.test(contentType) || /^\s*<(!doctype|html|head|body|title|h1|center)\b/i.test(body)) {
    return { errorCode: '', message: describeHtml(body) };
  }
  return { errorCode: '', message: cleanText(body, 300) || 'no message' };
}

export class BulkHttp {
  /** Sends that reached the org (answered or not): what the org counts against the API limit. */
  requests = 0;

  constructor(
    readonly conn: Connection,
    private readonly timeoutMs = 10 * 60_000
  ) {}

  /** One request; a 401 refreshes the session once when the connection has a refresh function. */
  async send(req: ApiRequest, step: string): Promise<ApiResponse> {
    const refresh = this.conn._refreshDelegate;
    const sentAt = Date.now();
    let res = await this.sendOnce(req, step);
    if (res.status === 401 && refresh) {
      try {
        // refreshes unless another request already did after `sentAt`
        await refresh.refresh(sentAt);
      } catch {
        throw new SessionExpiredError(step);
      }
      res = await this.sendOnce(req, step);
    }
    if (res.status === 401) throw new SessionExpiredError(step);
    return res;
  }

  /** The answer of a request that must succeed (2xx); anything else throws ApiError. */
  async ok(req: ApiRequest, step: string): Promise<ApiResponse> {
    const res = await this.send(req, step);
    if (res.status >= 200 && res.status < 300) return res;
    const { errorCode, message } = describeErrorBody(res.body, res.headers['content-type']);
    throw new ApiError(step, res.status, errorCode || `HTTP_${res.status}`, message);
  }

  async json<T>(req: ApiRequest, step: string): Promise<T> {
    const res = await this.ok({ accept: 'application/json', ...req }, step);
    try {
      return JSON.parse(res.body) as T;
    } catch {
      const what = describeErrorBody(res.body, res.headers['content-type']).message;
      throw new ApiError(step, res.status, 'INVALID_RESPONSE', `not JSON: ${what}`);
    }
  }

  private async sendOnce(req: ApiRequest, step: string): Promise<ApiResponse> {
    const headers: Record<string, string> = {};
    if (req.contentType) headers['Content-Type'] = req.contentType;
    if (req.accept) headers.Accept = req.accept;
    // retry off for every method: jsforce would re-send a consumed body (see the module comment)
    const api = new RawHttpApi(this.conn, { retry: { methods: [] }, timeout: this.timeoutMs });
    this.requests++;
    let res: HttpResponse | undefined;
    try {
      res = (await api.request({
        method: req.method,
        url: req.path.startsWith('/')
          ? `${this.conn.instanceUrl}${req.path}`
          : `${this.conn.instanceUrl}/services/data/v${this.conn.version}/${req.path}`,
        headers,
        ...(req.body === undefined ? {} : { body: req.body })
      })) as HttpResponse | undefined;
    } catch (err) {
      throw new NetworkError(step, err);
    }
    if (!res) throw new NetworkError(step, new Error('empty response'));
    return { status: res.statusCode, headers: res.headers, body: res.body ?? '' };
  }
}
