// The REST client: every call carries the bearer token; failures become ApiError with the server's
// stable code and details, so pages show the server's words and never match on message text.
import type { ErrorDetail } from './api-types';

/** An API failure. status 0 with code `network` when the gateway could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** Seconds the server asked us to wait (429 Retry-After). */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

/** `path` with the query's set values appended. */
export function withQuery(path: string, query?: Query): string {
  if (query === undefined) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? path : `${path}?${s}`;
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: { code?: unknown; message?: unknown; details?: unknown } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // Not JSON (a proxy's page): the status line is all we have.
  }
  const retry = Number(res.headers.get('Retry-After'));
  return new ApiError(
    res.status,
    typeof body.code === 'string' ? body.code : `http.${res.status}`,
    typeof body.message === 'string' ? body.message : `${res.status} ${res.statusText}`,
    Array.isArray(body.details) ? (body.details as ErrorDetail[]) : [],
    Number.isFinite(retry) && retry > 0 ? retry : null,
  );
}

/** One request with `token`; resolves to the parsed JSON body (null for 204). */
export async function request<T>(token: string, method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(withQuery(path, query), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', 'the gateway cannot be reached');
  }
  if (!res.ok) throw await toApiError(res);
  if (res.status === 204) return null as T;
  return (await res.json()) as T;
}

/**
 * The signed-in client. A 401 on any call means the token stopped working (revoked, or the
 * database was reset), so it reports that once and the app returns to the sign-in page.
 */
export class HttpClient {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: () => void,
  ) {}

  get<T>(path: string, query?: Query): Promise<T> {
    return this.call<T>('GET', path, undefined, query);
  }

  post<T>(path: string, body?: unknown, query?: Query): Promise<T> {
    return this.call<T>('POST', path, body ?? {}, query);
  }

  delete(path: string): Promise<void> {
    return this.call<void>('DELETE', path);
  }

  private async call<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    try {
      return await request<T>(this.token, method, path, body, query);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) this.onUnauthorized();
      throw e;
    }
  }
}
