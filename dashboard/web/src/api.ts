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
let onViewForbidden: (e: ApiError) => void = () => {};

/** whenUnauthorized sets what happens when the session has ended. */
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

/** whenViewForbidden sets what happens on a 403 while viewing a workspace (its access may have closed). */
export function whenViewForbidden(fn: (e: ApiError) => void): void {
  onViewForbidden = fn;
}

/** WORKSPACE_HEADER makes a staff member's request a read-only view of a workspace. */
const WORKSPACE_HEADER = "X-Parley-Workspace";
let workspace = 0;

/** setWorkspace names the workspace every request views (0: the member's own). */
export function setWorkspace(id: number): void {
  workspace = id;
}

/** workspaceId is the workspace viewed read-only, 0 for none. */
export const workspaceId = () => workspace;

/** api calls the REST API; own leaves the viewed workspace out (the staff member's own requests). */
export async function api<T = unknown>(method: string, path: string, body?: unknown, own = false): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const viewing = own ? 0 : workspace;
  if (viewing) headers[WORKSPACE_HEADER] = String(viewing);
  const init: RequestInit = { method, credentials: "same-origin", headers };
  if (body instanceof FormData) {
    init.body = body; // multipart: the browser sets the Content-Type and its boundary
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
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
    if (res.status === 403 && viewing && viewing === workspace) onViewForbidden(err);
    throw err;
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>("GET", path);
/** getOwn reads as the member themself, outside any workspace viewed. */
export const getOwn = <T>(path: string) => api<T>("GET", path, undefined, true);
export const post = <T>(path: string, body?: unknown) => api<T>("POST", path, body === undefined ? {} : body);
export const patch = <T>(path: string, body: unknown) => api<T>("PATCH", path, body);
export const put = <T>(path: string, body: unknown) => api<T>("PUT", path, body);
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
