// The app's shared state: the signed-in member, the team and its presence,
// and the newest version of every conversation and ticket seen, fed by REST
// loads and the live events.
import { ApiError, get, setWorkspace } from "./api";
import { live, supportLive } from "./live";
import { Store } from "./store";
import type { Conversation, Member, MemberUnread, Page, SupportTicket, Ticket, UnreadTotals } from "./types";

export const me = new Store<Member | null>(null);

/** Viewing is the workspace a staff member views read-only (support access). */
export interface Viewing {
  id: number;
  name: string;
}

function storedViewing(): Viewing | null {
  try {
    const v = JSON.parse(sessionStorage.getItem("parley.viewing") || "null");
    return v && typeof v.id === "number" ? { id: v.id, name: String(v.name || "") } : null;
  } catch (e) {
    return null;
  }
}

/** viewingWs survives reloads of the tab (sessionStorage), not the tab itself. */
export const viewingWs = new Store<Viewing | null>(storedViewing());
setWorkspace(viewingWs.value?.id || 0);

/** setViewing enters (v) or leaves (null) a workspace's read-only view: every request and the socket then name it. */
export function setViewing(v: Viewing | null): void {
  if (v) sessionStorage.setItem("parley.viewing", JSON.stringify(v));
  else sessionStorage.removeItem("parley.viewing");
  setWorkspace(v?.id || 0);
  viewingWs.set(v);
}

/** readOnly: a staff member viewing a workspace, who may change nothing in it. */
export const readOnly = () => !!viewingWs.value;

/** viewEnded names the workspace whose view ended because its access closed, for a notice. */
export const viewEnded = new Store<string>("");

/** manages: an owner or admin of the workspace shown (never a staff viewer). */
export const manages = (m: Member | null) => !!m && (m.role === "owner" || m.role === "admin") && !readOnly();

/** contactsSupport: who has the Support section (owners and admins, not staff). */
export const contactsSupport = (m: Member | null) => manages(m) && !m!.staff;

/** supportTickets is the newest version seen of each support ticket of the workspace. */
export const supportTickets = new Store<Record<number, SupportTicket>>({});
/** supportVersions: conversation id -> version of the unread count applied. */
let supportVersions: Record<number, number> = {};

/** applySupport keeps a support ticket as the server last told it. */
export function applySupport(tk: SupportTicket): void {
  const cur = supportTickets.value[tk.id];
  if (cur && JSON.stringify(cur) === JSON.stringify({ ...cur, ...tk })) return;
  supportTickets.set({ ...supportTickets.value, [tk.id]: { ...cur, ...tk } });
}

/** applySupportUnread records an absolute unread count of a support conversation. */
export function applySupportUnread(convId: number, unread: number, version?: number): void {
  if (version !== undefined) {
    if ((supportVersions[convId] || 0) > version) return;
    supportVersions[convId] = version;
  }
  const tk = Object.values(supportTickets.value).find((x) => x.conversation_id === convId);
  if (tk && tk.unread !== unread) supportTickets.set({ ...supportTickets.value, [tk.id]: { ...tk, unread } });
}

/** supportUnread counts the unread replies of the support team. */
export function supportUnread(all: Record<number, SupportTicket>): number {
  let n = 0;
  for (const tk of Object.values(all)) n += tk.unread || 0;
  return n;
}

/** loadSupport seeds the support tickets (for the menu's unread count). */
export async function loadSupport(): Promise<void> {
  if (!contactsSupport(me.value)) return;
  try {
    const p = await get<Page<SupportTicket>>("/support/tickets?status=all");
    for (const tk of p.items) applySupport(tk);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
  }
}

/** wireSupport feeds the support tickets from the Support socket. */
export function wireSupport(): void {
  supportLive.on("support.ticket", (tk: SupportTicket) => applySupport(tk));
  supportLive.on("unread", (d: { conversation_id: number; count: number; version?: number }) => applySupportUnread(d.conversation_id, d.count, d.version));
  supportLive.on("read.ok", (d: { conversation_id: number; unread: number; version?: number }) => applySupportUnread(d.conversation_id, d.unread, d.version));
  supportLive.onResync(loadSupport);
  // Messages tell of changes too: a conversation not known yet is a new
  // ticket, a system message a change of status. This keeps the list
  // right even where support.ticket events do not come.
  let again = 0;
  supportLive.on("message.created", (m: { conversation_id: number; author_kind: string }) => {
    const tk = Object.values(supportTickets.value).find((x) => x.conversation_id === m.conversation_id);
    if (tk && m.author_kind === "system") get<SupportTicket>("/support/tickets/" + tk.id).then(applySupport, () => {});
    if (!tk) {
      clearTimeout(again);
      again = setTimeout(loadSupport, 300) as unknown as number;
    }
  });
}
export const members = new Store<Member[]>([]);
/** online is the set of members the presence events say are connected. */
export const online = new Store<Record<number, boolean>>({});
export const convs = new Store<Record<number, Conversation>>({});
export const tickets = new Store<Record<number, Ticket>>({});
/** deletedConvs are the conversations conversation.deleted removed: a late update must not bring one back. */
const deletedConvs = new Set<number>();
/** viewing: conversation id -> member id -> name, of the other agents looking at it. */
export const viewing = new Store<Record<number, Record<number, string>>>({});
/** viewingSeen: "conversation:member" -> when last heard (ms), to forget the silent. */
const viewingSeen: Record<string, number> = {};
const VIEWING_TTL = 65000;
/** typing: conversation id -> who ("agent:7", "visitor", "assistant") -> until (ms). */
export const typing = new Store<Record<number, Record<string, { until: number; statusType?: string }>>>({});
/** openConversation is the conversation on screen, whose messages count as seen. */
export const openConversation = new Store<number>(0);

/** resetData forgets everything of the member who signed out. */
export function resetData(): void {
  me.set(null);
  clearData();
}

/** clearData forgets what was loaded of a workspace (switching to or from a staff view). */
export function clearData(): void {
  members.set([]);
  online.set({});
  convs.set({});
  tickets.set({});
  viewing.set({});
  typing.set({});
  supportTickets.set({});
  supportVersions = {};
  unread.set(NO_UNREAD);
}

/** applyConv keeps the newest version of a conversation (and the member's unread a REST item carries); it reports whether it changed. */
export function applyConv(c: Conversation): boolean {
  if (deletedConvs.has(c.id)) return false;
  if (c.unread !== undefined) applyUnreadCount(c.id, c.unread, c.unread_version || 0);
  const cur = convs.value[c.id];
  if (cur && cur.version > c.version) return false;
  if (cur && cur.version === c.version) {
    // Same version: keep extra fields (visitor) a list item may lack.
    if (!c.visitor || cur.visitor) return false;
  }
  // The newer version replaces the older whole: the server leaves out
  // empty fields (an unassigned conversation has no assignee_id), so a
  // merge would keep stale ones. Only the identity card, which events do
  // not carry, is kept.
  convs.set({ ...convs.value, [c.id]: { ...c, visitor: c.visitor || cur?.visitor } });
  return true;
}

/** applyTicket keeps the newest version of a ticket; it reports whether it changed. */
export function applyTicket(t: Ticket): boolean {
  if (t.unread !== undefined && t.conversation_id) applyUnreadCount(t.conversation_id, t.unread, t.unread_version || 0);
  const cur = tickets.value[t.id];
  if (cur && cur.version > t.version) return false;
  if (cur && cur.version === t.version && (!t.visitor || cur.visitor)) return false;
  // Replaced whole, as applyConv does (a reopened ticket has no
  // resolved_at); what only the detail carries is kept.
  tickets.set({ ...tickets.value, [t.id]: { ...t, visitor: t.visitor || cur?.visitor, conversation: t.conversation || cur?.conversation, workspace: t.workspace || cur?.workspace } });
  if (t.conversation) applyConv(t.conversation);
  return true;
}

/**
 * Unread is the signed-in member's own (hub/unread.go): the server counts,
 * the app only keeps the newest numbers it was told. Each number comes
 * with the member's unread version; a per-conversation count and the
 * badges are each replaced by a newer one, never added up.
 */
export interface Unread {
  totals: UnreadTotals;
  version: number;
  /** conv: conversation id -> the member's count there, and its version. */
  conv: Record<number, { count: number; version: number }>;
}
const NO_UNREAD: Unread = { totals: { conversations: 0, tickets: 0, my_tickets: 0 }, version: 0, conv: {} };
export const unread = new Store<Unread>(NO_UNREAD);

/** applyUnreadCount records the member's count of a conversation, unless a newer one is known. */
export function applyUnreadCount(convId: number, count: number, version: number): void {
  const u = unread.value;
  const cur = u.conv[convId];
  if (cur && (cur.version > version || (cur.version === version && cur.count === count))) return;
  unread.set({ ...u, conv: { ...u.conv, [convId]: { count, version } } });
}

/** applyUnreadTotals records the member's badges, unless newer ones are known. */
export function applyUnreadTotals(totals: UnreadTotals, version: number): void {
  const u = unread.value;
  if (u.version > version || (u.version === version && JSON.stringify(u.totals) === JSON.stringify(totals))) return;
  unread.set({ ...u, totals, version });
}

/** convUnread is the member's unread count of a conversation. */
export const convUnread = (u: Unread, convId: number | undefined): number => (convId && u.conv[convId]?.count) || 0;

/**
 * ticketUnread is what the ticket's row shows: the member's count of its
 * conversation while it is the conversation's current ticket (the
 * conversation's ticket_id, else the newest ticket of it known).
 */
export function ticketUnread(t: Ticket, u: Unread, allTickets: Record<number, Ticket>, allConvs: Record<number, Conversation>): number {
  if (!t.conversation_id) return 0;
  let current = allConvs[t.conversation_id]?.ticket_id || 0;
  if (!current) for (const o of Object.values(allTickets)) if (o.conversation_id === t.conversation_id && o.id > current) current = o.id;
  return current && current !== t.id ? 0 : convUnread(u, t.conversation_id);
}

/** ReadState answers a read (read.ok, POST /conversations/:id/read): the member's new count and badges. */
export interface ReadState {
  conversation_id: number;
  unread: number;
  version: number;
  totals?: UnreadTotals;
}

/** applyRead records what the member's read left. */
export function applyRead(d: ReadState): void {
  applyUnreadCount(d.conversation_id, d.unread, d.version);
  if (d.totals) applyUnreadTotals(d.totals, d.version);
}

/** loadUnread reads the member's badges (at start and after a resume); a staff viewer has none. */
export async function loadUnread(): Promise<void> {
  if (readOnly()) return;
  try {
    const st = await get<{ totals: UnreadTotals; version: number }>("/unread");
    applyUnreadTotals(st.totals, st.version);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
  }
}

/** names are members' names learnt from events, for when /members is not there. */
const names: Record<number, string> = {};

export function memberName(id: number | undefined): string {
  if (!id) return "";
  const m = members.value.find((m) => m.id === id);
  if (m) return m.name || m.email;
  if (me.value && me.value.id === id) return me.value.name;
  return names[id] || "#" + id;
}

/** loadMembers loads the team; without the endpoint, the team is just me. */
export async function loadMembers(): Promise<void> {
  try {
    const p = await get<Page<Member>>("/members");
    members.set(p.items);
    const on: Record<number, boolean> = {};
    for (const m of p.items) if (m.online) on[m.id] = true;
    // A staff viewer is not one of the workspace's team.
    if (me.value && !readOnly()) on[me.value.id] = true;
    online.set(on);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (me.value && !members.value.length && !readOnly()) members.set([me.value]);
  }
}

function setTyping(convId: number, who: string, on: boolean, statusType?: string) {
  const all = { ...typing.value };
  const cur = { ...(all[convId] || {}) };
  if (on) cur[who] = { until: Date.now() + 10000, statusType };
  else delete cur[who];
  all[convId] = cur;
  typing.set(all);
}

/** Listeners for the notifier: a new ticket, or new unread visitor messages. */
export const notices = new Store<{ kind: "ticket" | "message"; id: number; text: string; seq: number } | null>(null);
let noticeSeq = 0;

/** wireLive feeds the stores from the socket's events. */
export function wireLive(): void {
  live.on("conversation.updated", (c: Conversation) => applyConv(c));
  // An owner deleted the visitor's data: the conversation leaves every list
  // (its unread comes as unread events of the same deletion).
  live.on("conversation.deleted", (d: { id: number }) => {
    deletedConvs.add(d.id);
    const { [d.id]: _gone, ...rest } = convs.value;
    convs.set(rest);
  });
  // The member's own unread, as the server counted it (a staff viewer gets none).
  live.on("unread", (d: MemberUnread) => {
    if (d.member_id !== me.value?.id) return;
    const before = convUnread(unread.value, d.conversation_id);
    const seen = openConversation.value === d.conversation_id && document.visibilityState === "visible";
    applyUnreadCount(d.conversation_id, d.count, d.version);
    applyUnreadTotals(d.totals, d.version);
    if (d.count > before && !seen) notices.set({ kind: "message", id: d.conversation_id, text: "", seq: ++noticeSeq });
  });
  live.on("ticket.updated", (t: Ticket) => {
    const isNew = !tickets.value[t.id];
    if (applyTicket(t) && isNew && t.status === "open" && (t.version || 0) <= 2 && !readOnly()) {
      notices.set({ kind: "ticket", id: t.id, text: (t.ref || "TKT-" + t.number) + " " + t.subject, seq: ++noticeSeq });
    }
  });
  live.on("read.ok", (d: ReadState) => applyRead(d));
  live.on("subscribed", (d: { conversation?: Conversation }) => {
    if (d.conversation && "site_id" in d.conversation) applyConv(d.conversation);
  });
  live.on("presence", (d: { member_id: number; online: boolean }) => {
    online.set({ ...online.value, [d.member_id]: d.online });
    if (!d.online) {
      // Whoever went away views nothing any more.
      const all: Record<number, Record<number, string>> = {};
      for (const [cid, who] of Object.entries(viewing.value)) {
        const { [d.member_id]: _gone, ...rest } = who;
        all[+cid] = rest;
      }
      viewing.set(all);
    }
    if (d.online && !members.value.some((m) => m.id === d.member_id)) loadMembers();
  });
  live.on("typing", (d: { conversation_id: number; author_kind: string; author_id?: number; typing: boolean; status_type?: string }) => {
    if (d.author_kind === "agent" && d.author_id === me.value?.id) return;
    const who = d.author_kind === "agent" ? "agent:" + d.author_id : d.author_kind;
    setTyping(d.conversation_id, who, d.typing, d.status_type);
  });
  live.on("message.created", (m: { conversation_id: number; author_kind: string; author_id?: number; author_name?: string }) => {
    if (m.author_kind === "agent" && m.author_id && m.author_name) names[m.author_id] = m.author_name;
    // A message ends its author's typing.
    const who = m.author_kind === "agent" ? "agent:" + m.author_id : m.author_kind;
    if (typing.value[m.conversation_id]?.[who]) setTyping(m.conversation_id, who, false);
  });
  live.on("viewing", (d: { conversation_id: number; member_id: number; name?: string; viewing: boolean }) => {
    const id = d.member_id;
    if (!id || id === me.value?.id) return;
    if (d.name) names[id] = d.name;
    const all = { ...viewing.value };
    const cur = { ...(all[d.conversation_id] || {}) };
    if (d.viewing) {
      cur[id] = d.name || memberName(id);
      viewingSeen[d.conversation_id + ":" + id] = Date.now();
    } else delete cur[id];
    all[d.conversation_id] = cur;
    viewing.set(all);
  });
  live.on("presence.list", (d: { online?: number[] }) => {
    const on: Record<number, boolean> = {};
    for (const id of d.online || []) on[id] = true;
    online.set(on);
  });
  live.onResync(() => Promise.all([loadMembers(), loadUnread()]));
  // Expire typing hints nobody renewed.
  setInterval(() => {
    const now = Date.now();
    let changed = false;
    const all: Record<number, Record<string, { until: number; statusType?: string }>> = {};
    for (const [cid, who] of Object.entries(typing.value)) {
      const keep: Record<string, { until: number; statusType?: string }> = {};
      for (const [k, v] of Object.entries(who)) {
        if (v.until > now) keep[k] = v;
        else changed = true;
      }
      all[+cid] = keep;
    }
    if (changed) typing.set(all);
    // A viewer whose node died never says false: forget the silent ones.
    let vchanged = false;
    const views: Record<number, Record<number, string>> = {};
    for (const [cid, who] of Object.entries(viewing.value)) {
      const keep: Record<number, string> = {};
      for (const [mid, name] of Object.entries(who)) {
        if (now - (viewingSeen[cid + ":" + mid] || 0) < VIEWING_TTL) keep[+mid] = name;
        else vchanged = true;
      }
      views[+cid] = keep;
    }
    if (vchanged) viewing.set(views);
  }, 2000);
}
