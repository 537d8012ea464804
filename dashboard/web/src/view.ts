// The signed-in session and the staff's read-only views. begin starts the
// app for a member; enterView and leaveView switch between the staff
// member's own inbox and a workspace viewed through its support access
// (every request then carries X-Parley-Workspace, the agent socket
// ?tenant_id=). The view ends by itself when the workspace closes the
// access: the socket closes, a request is refused, or the staff member's
// own list of workspaces no longer has it.
import { ApiError, get, getOwn } from "./api";
import {
  clearData,
  contactsSupport,
  loadUnread,
  loadMembers,
  loadSupport,
  me,
  setViewing,
  viewEnded,
  viewingWs,
  wireLive,
  wireSupport,
  type Viewing,
} from "./data";
import { initLang } from "./i18n";
import { live, supportLive } from "./live";
import { navigate } from "./router";
import type { Member, Page, Workspace } from "./types";

let wired = false;

/** begin starts the app for the signed-in member (or the staff member viewing a workspace). */
export function begin(m: Member): void {
  me.set(m);
  initLang(m.locale);
  if (!wired) {
    wired = true;
    wireLive();
    wireSupport();
  }
  loadMembers();
  loadUnread();
  live.start();
  if (contactsSupport(m)) {
    loadSupport();
    supportLive.start();
  } else supportLive.stop();
}

/** boot reads the member at start-up: a view whose access closed meanwhile is left. */
export async function boot(): Promise<Member | null> {
  try {
    return await get<Member>("/me");
  } catch (e) {
    const v = viewingWs.value;
    if (!v || !(e instanceof ApiError) || e.status !== 403) return null;
    setViewing(null);
    viewEnded.set(v.name);
    return get<Member>("/me").catch(() => null);
  }
}

/** switchView leaves what is shown and starts again as v (null: the member's own workspace). */
async function switchView(v: Viewing | null, ended = ""): Promise<void> {
  live.stop();
  supportLive.stop();
  clearData();
  setViewing(v);
  viewEnded.set(ended);
  let m: Member;
  try {
    m = await get<Member>("/me");
  } catch (e) {
    if (!v) return; // signed out meanwhile: the app shows the login
    return switchView(null, v.name);
  }
  begin(m);
  navigate(v ? "/conversations" : "/tickets");
}

/** enterView shows workspace v read-only. */
export const enterView = (v: Viewing) => switchView(v);

/** leaveView returns to the staff member's own inbox. */
export const leaveView = () => switchView(null);

let checking: Promise<boolean> | null = null;

/**
 * checkView asks (as the staff member, so that nothing is logged in the
 * workspace) whether the workspace viewed is still open to support, and
 * leaves it when it is not. It resolves to whether the view goes on.
 */
export function checkView(): Promise<boolean> {
  const v = viewingWs.value;
  if (!v) return Promise.resolve(true);
  if (checking) return checking;
  checking = getOwn<Page<Workspace>>("/staff/workspaces")
    .then(
      (p) => p.items.some((w) => w.id === v.id),
      (e) => !(e instanceof ApiError && (e.status === 401 || e.status === 403)), // unreachable: try again later
    )
    .then((open) => {
      checking = null;
      if (!open && viewingWs.value?.id === v.id) switchView(null, v.name);
      return open;
    });
  return checking;
}

/** CHECK is how often a view is checked when nothing else tells it closed. */
const CHECK = 10000;

/** watchView wires the ways a view learns that its access has closed. */
export function watchView(): void {
  live.state.subscribe(() => {
    const s = live.state.value;
    if (viewingWs.value && me.value && (s === "offline" || s === "unauthorized")) checkView();
  });
  setInterval(() => viewingWs.value && me.value && document.visibilityState === "visible" && checkView(), CHECK);
}
