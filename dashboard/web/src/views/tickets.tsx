// Tickets (003): the list with its filters, search and "load more", and the
// detail page with the conversation, visitor information, reply, status,
// assignment, resolution and private notes. Staff (the platform's team)
// also choose a queue (the workspaces' support tickets or their AI
// response reviews) and may order by due time. A staff member viewing a
// workspace sees its tickets read-only.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, get, patch, qs } from "../api";
import { applyConv, applyTicket, convs, me, memberName, members, online, readOnly, ticketUnread, tickets, unread } from "../data";
import { t } from "../i18n";
import { live } from "../live";
import { Locked } from "../plan";
import { Link, loc, navigate } from "../router";
import { useStore } from "../store";
import { ExtLink } from "../text";
import type { Conversation, Page, Ticket, TicketPriority, TicketStatus, Visitor } from "../types";
import { CopyButton, ErrorBox, errorText, fmtAgo, fmtDateTime, fmtDuration, liveCheck, usePaged } from "../ui";
import { Composer, useCanned } from "./composer";
import { Timeline, Viewers } from "./timeline";
import { useReadMarker, useThread, useViewing } from "./thread";
import { ClosedNote, DoneNote, isDone, WorkspaceCard } from "./lifecycle";

export const FILTERS = ["all", "mine", "open", "in_progress", "on_customer", "resolved", "closed"] as const;
export type Filter = (typeof FILTERS)[number];
export const STATUSES: TicketStatus[] = ["open", "in_progress", "on_customer", "resolved", "closed"];
export const PRIORITIES: TicketPriority[] = ["low", "normal", "high", "urgent"];

export const ref = (tk: Ticket) => tk.ref || "TKT-" + tk.number;

/** Staff's queues and orders (the platform's own tickets are the workspaces' support tickets). */
export const QUEUES = ["all", "support", "ai_review"] as const;
type Queue = (typeof QUEUES)[number];
type Sort = "newest" | "due";
interface ListOpts {
  filter: Filter;
  q: string;
  queue: Queue;
  sort: Sort;
}

/** listOrder is the ticket ids shown in the list, for j/k in the detail. */
export let listOrder: number[] = [];

/** dueOrder is the API's due order: soonest first, no due time last, then oldest first. */
function dueOrder(all: Record<number, Ticket>) {
  return (a: number, b: number) => {
    const da = all[a]?.due_at ? Date.parse(all[a].due_at!) : Infinity;
    const db = all[b]?.due_at ? Date.parse(all[b].due_at!) : Infinity;
    return da === db ? a - b : da < db ? -1 : 1;
  };
}

/** Due says when the response is due, or how late it is. */
export function Due({ tk }: { tk: Ticket }) {
  // The server keeps a due time only while the team owes an answer.
  if (!tk.due_at) return null;
  const left = (Date.parse(tk.due_at) - Date.now()) / 1000;
  const over = left < 0;
  return (
    <span class={"due" + (over ? " overdue" : "")} data-testid="due" data-overdue={over ? "1" : "0"} title={fmtDateTime(tk.due_at)}>
      {over ? t("due.over", { t: fmtDuration(-left) }) : t("due.in", { t: fmtDuration(left) })}
    </span>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={"badge status-" + status} data-testid="status">
      {t(("status." + status) as any)}
    </span>
  );
}

/** PriorityBadge flags the tickets that need attention first (high, urgent). */
export function PriorityBadge({ priority }: { priority?: string }) {
  if (priority !== "high" && priority !== "urgent") return null;
  return (
    <span class={"badge priority-" + priority} data-testid="priority" data-priority={priority}>
      {t(("priority." + priority) as any)}
    </span>
  );
}

export function TicketsView({ id }: { id: number }) {
  const l = useStore(loc);
  const mine = useStore(me);
  const staff = !!mine?.staff && !readOnly();
  const filter = (FILTERS as readonly string[]).includes(l.query.get("filter") || "") ? (l.query.get("filter") as Filter) : "all";
  const q = l.query.get("q") || "";
  const queue = staff && (QUEUES as readonly string[]).includes(l.query.get("queue") || "") ? (l.query.get("queue") as Queue) : "all";
  const sort: Sort = staff && l.query.get("sort") === "due" ? "due" : "newest";
  return (
    <div class={"split" + (id ? " has-detail" : "")}>
      <TicketList o={{ filter, q, queue, sort }} staff={staff} selected={id} />
      {id ? <TicketDetail key={id} id={id} /> : <div class="detail-empty muted">{t("tickets.pick")}</div>}
    </div>
  );
}

/** query is the list's query string (ticket links keep it, for the way back). */
function query({ filter, q, queue, sort }: ListOpts) {
  return qs({ filter: filter === "all" ? "" : filter, q, queue: queue === "all" ? "" : queue, sort: sort === "due" ? "due" : "" });
}

function listURL(o: ListOpts) {
  return "/tickets" + query(o);
}

function TicketList({ o, staff, selected }: { o: ListOpts; staff: boolean; selected: number }) {
  const { filter, q, queue, sort } = o;
  const all = useStore(tickets);
  const cs = useStore(convs);
  const mine = useStore(me);
  const u = useStore(unread);
  const [search, setSearch] = useState(q);
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  // Due order comes in one page (no cursor) of the most pressing, as many
  // as a page holds (limit at most 200, docs/api.md); the newest order in
  // pages of the API's size.
  const path = (before?: string, ids?: number[]) =>
    "/tickets" + qs({ filter, q, before, ids: ids?.join(","), limit: ids ? ids.length : sort === "due" ? 200 : undefined, queue: queue === "all" ? "" : queue, sort: sort === "due" ? "due" : "" });
  const order = (a: number, b: number) => (sort === "due" ? dueOrder(tickets.value)(a, b) : b - a);
  const { list: ids, setList: setIds, ref: idsRef, next, loading, error, load } = usePaged(
    (before) => get<Page<Ticket>>(path(before)).then((p) => (sort === "due" ? { ...p, next: undefined } : p)),
    (items) => {
      for (const tk of items) applyTicket(tk);
      return items.map((tk) => tk.id);
    },
    (got, shown) => {
      // Keep tickets that joined live meanwhile (the server said they match).
      const arrived = shown.filter((i) => !got.includes(i) && i > (got[0] || 0) && tickets.value[i]);
      return sort === "due" ? [...arrived, ...got].sort(dueOrder(tickets.value)) : [...arrived, ...got];
    },
  );

  useEffect(() => {
    setIds([]);
    setSearch(q);
    load();
    // A ticket that changed joins the list or leaves it as the server's
    // answer to the list's own query says (liveCheck); the open one stays.
    const check = liveCheck(
      (asked) => get<Page<Ticket>>(path(undefined, asked)),
      (asked, items) => {
        for (const tk of items) applyTicket(tk);
        const keep = new Set(items.map((tk) => tk.id));
        const list = idsRef.current.filter((i) => !asked.includes(i) || keep.has(i) || i === selectedRef.current);
        for (const i of keep) if (!list.includes(i)) list.push(i);
        setIds(list.sort(order));
      },
    );
    const off = live.on("ticket.updated", (tk: Ticket) => check.add(tk.id));
    const offResync = live.onResync(() => load());
    return () => {
      check.stop();
      off();
      offResync();
    };
  }, [filter, q, queue, sort]);

  listOrder = ids;
  const myId = mine?.id || 0;
  return (
    <section class="list-pane" aria-label={t("nav.tickets")}>
      <header class="pane-head">
        <h1>{t("nav.tickets")}</h1>
        <form
          class="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            navigate(listURL({ ...o, q: search.trim() }));
          }}
        >
          <input
            type="search"
            id="search"
            data-testid="ticket-search"
            placeholder={t("tickets.search")}
            aria-label={t("tickets.search")}
            value={search}
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
        </form>
      </header>
      <nav class="filters" aria-label={t("tickets.filters")}>
        {FILTERS.map((f) => (
          <Link href={listURL({ ...o, filter: f })} class={"chip" + (f === filter ? " on" : "")} aria-current={f === filter ? "true" : undefined} data-testid={"filter-" + f}>
            {t(("filter." + f) as any)}
            {/* All and My Tickets hold what the menu's badges count. */}
            {f === "all" && u.totals.tickets > 0 && <span class="chip-count" data-testid="filter-unread-all">{u.totals.tickets}</span>}
            {f === "mine" && u.totals.my_tickets > 0 && <span class="chip-count" data-testid="filter-unread-mine">{u.totals.my_tickets}</span>}
          </Link>
        ))}
      </nav>
      {staff && (
        <div class="staff-filters">
          <nav class="filters" aria-label={t("tickets.queues")}>
            {QUEUES.map((qu) => (
              <Link href={listURL({ ...o, queue: qu })} class={"chip" + (qu === queue ? " on" : "")} aria-current={qu === queue ? "true" : undefined} data-testid={"queue-" + qu}>
                {t(("queue." + qu) as any)}
              </Link>
            ))}
          </nav>
          <nav class="filters" aria-label={t("tickets.sort")}>
            {(["newest", "due"] as Sort[]).map((so) => (
              <Link href={listURL({ ...o, sort: so })} class={"chip" + (so === sort ? " on" : "")} aria-current={so === sort ? "true" : undefined} data-testid={"sort-" + so}>
                {t(("sort." + so) as any)}
              </Link>
            ))}
          </nav>
        </div>
      )}
      <Locked feature="tickets" />
      <ErrorBox error={error} />
      <ul class="rows" data-testid="ticket-list">
        {ids.map((i) => {
          const tk = all[i];
          if (!tk) return null;
          const unread = ticketUnread(tk, u, all, cs);
          return (
            <li key={i} class={(i === selected ? "sel " : "") + (unread ? "unread" : "")} data-testid="ticket-row" data-id={i}>
              <Link href={"/tickets/" + i + query(o)} class="row">
                <div class="row-top">
                  <span class="ref" data-testid="ticket-ref">
                    {ref(tk)}
                  </span>
                  <StatusBadge status={tk.status} />
                  <PriorityBadge priority={tk.priority} />
                  {tk.request_type && (
                    <span class={"badge request-" + tk.request_type} data-testid="request-type" data-type={tk.request_type}>
                      {t(("request." + tk.request_type) as any)}
                    </span>
                  )}
                  {unread > 0 && (
                    <span class="unread-badge" data-testid="unread" aria-label={t("tickets.unread", { n: unread })}>
                      {unread}
                    </span>
                  )}
                  <span class="when">{fmtAgo(tk.last_activity_at || tk.updated_at)}</span>
                </div>
                <div class="subject" data-testid="ticket-subject">
                  {tk.subject}
                </div>
                <div class="row-bottom muted">
                  <span class="email">{tk.requester_email}</span>
                  <Due tk={tk} />
                  <span class="assignee" data-testid="ticket-assignee-name">
                    {tk.assignee_id ? (tk.assignee_id === myId ? t("tickets.me") : memberName(tk.assignee_id)) : t("tickets.unassigned")}
                  </span>
                </div>
              </Link>
            </li>
          );
        })}
      </ul>
      {!loading && !ids.length && !error && <p class="muted empty">{t("tickets.none")}</p>}
      {loading && <p class="muted">{t("common.loading")}</p>}
      {next && !loading && (
        <button type="button" class="wide" onClick={() => load(next)} data-testid="load-more">
          {t("common.loadMore")}
        </button>
      )}
    </section>
  );
}

function TicketDetail({ id }: { id: number }) {
  const all = useStore(tickets);
  const cs = useStore(convs);
  const team = useStore(members);
  const on = useStore(online);
  const mine = useStore(me);
  const tk = all[id];
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [visitor, setVisitor] = useState<Visitor | undefined>();
  const canned = useCanned();

  useEffect(() => {
    let gone = false;
    const load = () =>
      get<Ticket>("/tickets/" + id)
        .then(async (tk) => {
          if (gone) return;
          applyTicket(tk);
          if (tk.visitor) setVisitor(tk.visitor);
          if (tk.conversation_id && (!tk.visitor || !tk.conversation)) {
            const c = await get<Conversation>("/conversations/" + tk.conversation_id).catch(() => null);
            if (c && !gone) {
              applyConv(c);
              if (c.visitor && !tk.visitor) setVisitor(c.visitor);
            }
          }
        })
        .catch((e) => !gone && setError(e));
    load();
    const off = live.onResync(load);
    return () => {
      gone = true;
      off();
    };
  }, [id]);

  if (!tk) {
    return (
      <section class="detail-pane" data-testid="ticket-detail">
        {error ? (
          <p class="error">{error instanceof ApiError && error.status === 404 ? t("tickets.notFound") : errorText(error)}</p>
        ) : (
          <p class="muted">{t("common.loading")}</p>
        )}
      </section>
    );
  }
  const update = async (body: { status?: TicketStatus; assignee_id?: number; priority?: TicketPriority }) => {
    setSaving(true);
    setError(null);
    try {
      applyTicket(await patch<Ticket>("/tickets/" + id, body));
    } catch (e) {
      setError(e);
      // A conflict means someone else changed it: show theirs.
      get<Ticket>("/tickets/" + id).then(applyTicket, () => {});
    } finally {
      setSaving(false);
    }
  };
  const conv = tk.conversation_id ? cs[tk.conversation_id] : undefined;
  const v = visitor || tk.visitor || conv?.visitor;
  const closed = tk.status === "resolved" || tk.status === "closed";
  const myId = mine?.id || 0;
  const ro = readOnly();
  const back = loc.value.query.toString();
  return (
    <section class="detail-pane" data-testid="ticket-detail" data-id={id}>
      <header class="detail-head">
        <Link href={"/tickets" + (back ? "?" + back : "")} class="back" aria-label={t("common.back")}>
          ←
        </Link>
        <div class="title">
          <span class="ref">{ref(tk)}</span>
          <h1 data-testid="detail-subject">{tk.subject}</h1>
        </div>
        <div class="actions">
          {!ro && tk.assignee_id !== myId && (
            <button type="button" onClick={() => update({ assignee_id: myId })} disabled={saving} data-testid="assign-me">
              {t("tickets.assignMe")}
            </button>
          )}
          {!ro && closed && !isDone(tk) && (
            <button type="button" onClick={() => update({ status: "open" })} disabled={saving} data-testid="reopen">
              {t("tickets.reopen")}
            </button>
          )}
        </div>
      </header>
      <div class="presence-line">
        {tk.conversation_id ? <Viewers id={tk.conversation_id} /> : null}
      </div>
      <ErrorBox error={error} />
      <div class="detail-body">
        <div class="detail-main">
          {tk.summary && (
            <div class="summary">
              <strong>{t("tickets.summary")}</strong> {tk.summary}
            </div>
          )}
          {tk.conversation_id ? <TicketThread tk={tk} convId={tk.conversation_id} canned={canned} /> : <p class="muted">{t("tickets.noConversation")}</p>}
        </div>
        <aside class="sidebar">
          <section class="card">
            <h2>{t("tickets.details")}</h2>
            <label class="field">
              <span class="label">{t("tickets.status")}</span>
              <select
                id="ticket-status"
                data-testid="ticket-status"
                value={tk.status}
                disabled={saving || ro || isDone(tk)}
                onChange={(e) => update({ status: (e.target as HTMLSelectElement).value as TicketStatus })}
              >
                {STATUSES.map((s) => (
                  <option value={s}>{t(("status." + s) as any)}</option>
                ))}
              </select>
            </label>
            <label class="field">
              <span class="label">{t("tickets.assignedTo")}</span>
              <select
                data-testid="ticket-assignee"
                value={String(tk.assignee_id || 0)}
                disabled={saving || ro}
                onChange={(e) => update({ assignee_id: +(e.target as HTMLSelectElement).value })}
              >
                <option value="0">{t("tickets.unassigned")}</option>
                {team.map((m) => (
                  <option value={String(m.id)}>
                    {(m.name || m.email) + (on[m.id] ? " ●" : "")}
                  </option>
                ))}
                {tk.assignee_id && !team.some((m) => m.id === tk.assignee_id) ? <option value={String(tk.assignee_id)}>{memberName(tk.assignee_id)}</option> : null}
              </select>
            </label>
            <label class="field">
              <span class="label">{t("tickets.priority")}</span>
              <select
                data-testid="ticket-priority"
                value={tk.priority || "normal"}
                disabled={saving || ro}
                onChange={(e) => update({ priority: (e.target as HTMLSelectElement).value as TicketPriority })}
              >
                {PRIORITIES.map((p) => (
                  <option value={p}>{t(("priority." + p) as any)}</option>
                ))}
              </select>
            </label>
            <dl class="facts">
              <dt>{t("tickets.created")}</dt>
              <dd>{fmtDateTime(tk.created_at)}</dd>
              {tk.queue && (
                <>
                  <dt>{t("tickets.queue")}</dt>
                  <dd data-testid="ticket-queue">{t(("queue." + tk.queue) as any)}</dd>
                  <dt>{t("tickets.requestType")}</dt>
                  <dd>{tk.request_type ? t(("request." + tk.request_type) as any) : "—"}</dd>
                </>
              )}
              {tk.due_at && (
                <>
                  <dt>{t("tickets.due")}</dt>
                  <dd>
                    {fmtDateTime(tk.due_at)} <Due tk={tk} />
                  </dd>
                </>
              )}
              {tk.follows_ticket_id ? (
                <>
                  <dt>{t("tickets.follows")}</dt>
                  <dd>
                    <Link href={"/tickets/" + tk.follows_ticket_id} data-testid="ticket-follows">
                      {tickets.value[tk.follows_ticket_id] ? ref(tickets.value[tk.follows_ticket_id]) : "#" + tk.follows_ticket_id}
                    </Link>
                  </dd>
                </>
              ) : null}
              {tk.resolved_at && (
                <>
                  <dt>{t("tickets.resolvedAt")}</dt>
                  <dd data-testid="resolved-at">{fmtDateTime(tk.resolved_at)}</dd>
                  <dt>{t("tickets.resolvedBy")}</dt>
                  <dd data-testid="resolved-by">{tk.resolved_by ? memberName(tk.resolved_by) : t("tickets.system")}</dd>
                </>
              )}
              {tk.conversation_id ? (
                <>
                  <dt>{t("tickets.conversation")}</dt>
                  <dd>
                    <Link href={"/conversations/" + tk.conversation_id}>#{tk.conversation_id}</Link>
                  </dd>
                </>
              ) : null}
            </dl>
          </section>
          {tk.queue ? <WorkspaceCard tk={tk} /> : <section class="card" data-testid="visitor-info">
            <h2>{t("tickets.visitor")}</h2>
            <dl class="facts">
              <dt>{t("tickets.email")}</dt>
              <dd class="with-copy">
                {tk.requester_email ? <ExtLink href={"mailto:" + tk.requester_email}>{tk.requester_email}</ExtLink> : "—"}
                {tk.requester_email && <CopyButton text={tk.requester_email} testid="copy-email" />}
              </dd>
              {v?.name && (
                <>
                  <dt>{t("visitor.name")}</dt>
                  <dd>{v.name}</dd>
                </>
              )}
              <dt>{t("visitor.country")}</dt>
              <dd>{v?.country || "—"}</dd>
              <dt>{t("visitor.device")}</dt>
              <dd>{v?.device || "—"}</dd>
              <dt>{t("visitor.page")}</dt>
              <dd class="wrap">{v?.current_page ? <ExtLink href={v.current_page} /> : "—"}</dd>
              {v?.last_seen && (
                <>
                  <dt>{t("visitor.lastSeen")}</dt>
                  <dd>{fmtDateTime(v.last_seen)}</dd>
                </>
              )}
            </dl>
            <p class="hint">{t("tickets.emailTip")}</p>
          </section>}
        </aside>
      </div>
    </section>
  );
}

function TicketThread({ tk, convId, canned }: { tk: Ticket; convId: number; canned: ReturnType<typeof useCanned> }) {
  const thread = useThread(convId);
  const conv = useStore(convs)[convId];
  useReadMarker(convId, thread.messages);
  useViewing(convId);
  // A support ticket is answered to the workspace; a Done one is final.
  const label = tk.queue ? t("support.replyToWorkspace") : t("tickets.replyToVisitor");
  return (
    <>
      <Timeline id={convId} thread={thread} />
      {!tk.queue && <ClosedNote c={conv} />}
      {readOnly() ? <ReadOnlyNote /> : isDone(tk) ? <DoneNote /> : <Composer id={convId} thread={thread} canned={canned} label={label} />}
    </>
  );
}

/** ReadOnlyNote stands where the composer is for a staff member viewing a workspace. */
export function ReadOnlyNote() {
  return (
    <p class="muted read-only-note" data-testid="read-only-note">
      {t("view.readOnly")}
    </p>
  );
}
