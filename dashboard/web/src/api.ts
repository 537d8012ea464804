// The REST client (docs/api.md). The session is the HttpOnly cookie: every
// request is same-origin with credentials, and the token is never read.
import type { ProblemJSON } from "./types";

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }

  /** missing: the endpoint is not on this server (yet). */
  get missing(): boolean {
    return this.status === 501 || this.status === 405 || (this.status === 404 && /^Cannot [A-Z]+ /.test(this.message));
  }
}

let onUnauthorized: () => void = () => {};

/** whenUnauthorized sets what happens when the session has ended. */
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body instanceof FormData) {
    init.body = body; // multipart: the browser sets the Content-Type and its boundary
  } else if (body !== undefined) {
    init.headers = { Accept: "application/json", "Content-Type": "application/json" };
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch("/api/v1" + path, init);
  } catch (e) {
    throw new ApiError(0, "network", "");
  }
  if (res.status === 204) return undefined as T;
  let data: any = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = null;
    }
  }
  if (!res.ok) {
    const p = (data || {}) as ProblemJSON;
    const err = new ApiError(res.status, p.code || "", p.detail || p.title || res.statusText);
    if (res.status === 401 && !path.startsWith("/auth/")) onUnauthorized();
    throw err;
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>("GET", path);
export const post = <T>(path: string, body?: unknown) => api<T>("POST", path, body === undefined ? {} : body);
export const patch = <T>(path: string, body: unknown) => api<T>("PATCH", path, body);
export const del = (path: string) => api<void>("DELETE", path);
/** upload posts a multipart form (files). */
export const upload = <T>(path: string, form: FormData) => api<T>("POST", path, form);

/** qs builds a query string from the set values of params. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "" && v !== false) u.set(k, String(v));
  }
  const s = u.toString();
  return s ? "?" + s : "";
}
