// Support (000, 001): a workspace's owners and admins write to the
// platform's team. At the top, support access to the account and its
// activity log, and "+ New ticket"; on the left the tickets with search,
// the status filter and unread counts; on the right the chosen ticket's
// chat, followed live over /ws/support (REST polling while it is down).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, get, post, put, qs } from "../api";
import { applySupport, applySupportUnread, contactsSupport, me, memberName, supportTickets } from "../data";
import { t } from "../i18n";
import { live, supportLive } from "../live";
import { Link, loc, navigate } from "../router";
import { useStore } from "../store";
import type { AuditEntry, Message, Page, RequestType, SupportAccess, SupportTicket, SupportViewKind } from "../types";
import { ErrorBox, errorText, Field, fmtAgo, fmtDateTime, type LiveCheck, liveCheck, Modal, Switch, usePaged, val } from "../ui";
import { Composer } from "./composer";
import { Timeline } from "./timeline";
import { Channel, useThread } from "./thread";

export const SUPPORT_FILTERS = ["all", "on_customer", "done"] as const;
type SupportFilter = (typeof SUPPORT_FILTERS)[number];
/** REQUEST_TYPES are what "+ New ticket" offers (001 "Response times"). */
const REQUEST_TYPES: RequestType[] = ["critical", "question", "feature"];
/** POLL is how often the lists are refreshed over REST while the Support socket is down. */
const POLL = 5000;

function listURL(filter: SupportFilter, q: string, id = 0) {
  return "/support" + (id ? "/" + id : "") + qs({ status: filter === "all" ? "" : filter, q });
}

export function SupportStatus({ status }: { status: string }) {
  return (
    <span class={"badge status-" + (status === "done" ? "done" : "on_customer")} data-testid="status" data-status={status}>
      {status === "done" ? t("support.done") : t("support.onCustomer")}
    </span>
  );
}

export function SupportView({ id }: { id: number }) {
  const mine = useStore(me);
  const l = useStore(loc);
  const [compose, setCompose] = useState<{ follows?: SupportTicket } | null>(null);
  if (!contactsSupport(mine)) return <p class="muted pad">{t("support.onlyManagers")}</p>;
  const filter = (SUPPORT_FILTERS as readonly string[]).includes(l.query.get("status") || "") ? (l.query.get("status") as SupportFilter) : "all";
  const q = l.query.get("q") || "";
  return (
    <div class="support" data-testid="support">
      <header class="support-head">
        <h1 data-testid="support-title">{t("support.title")}</h1>
        <button type="button" class="primary" onClick={() => setCompose({})} data-testid="new-ticket">
          {t("support.newTicket")}
        </button>
      </header>
      <AccessCard />
      <div class={"split" + (id ? " has-detail" : "")}>
        <SupportList filter={filter} q={q} selected={id} />
        {id ? (
          <SupportDetail key={id} id={id} back={listURL(filter, q)} followUp={(tk) => setCompose({ follows: tk })} />
        ) : (
          <div class="detail-empty muted">{t("support.pick")}</div>
        )}
      </div>
      {compose && <NewTicket follows={compose.follows} onClose={() => setCompose(null)} />}
    </div>
  );
}

const DURATIONS: [string, string][] = [
  ["60", "support.hour"],
  ["1440", "support.day"],
  ["10080", "support.week"],
  ["0", "support.untilOff"],
];

/** durationOf guesses the duration chosen for an open access: the shortest that covers what is left. */
function durationOf(a: SupportAccess): string {
  if (!a.open || !a.until) return "0";
  const left = (new Date(a.until).getTime() - Date.now()) / 60000;
  return (DURATIONS.find(([m]) => +m > 0 && +m >= left - 1) || DURATIONS[2])[0];
}

/** AccessCard is "Allow support access to account" (000 "Support access to your account"). */
function AccessCard() {
  const [access, setAccess] = useState<SupportAccess | null>(null);
  const [minutes, setMinutes] = useState("0");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [log, setLog] = useState(false);
  useEffect(() => {
    const show = (a: SupportAccess) => {
      setAccess(a);
      if (a.open) setMinutes(durationOf(a));
    };
    const load = () => get<SupportAccess>("/support/access").then(show, setError);
    load();
    // Another owner's change, told to every dashboard of the workspace.
    const offs = [live.on("support.access", show), live.onResync(load)];
    return () => offs.forEach((off) => off());
  }, []);
  // A limited access closes by itself.
  useEffect(() => {
    if (!access?.open || !access.until) return;
    const left = new Date(access.until).getTime() - Date.now();
    if (left > 2e9) return;
    const timer = setTimeout(() => setAccess({ open: false }), Math.max(0, left));
    return () => clearTimeout(timer);
  }, [access]);
  const set = async (open: boolean, mins: string) => {
    setBusy(true);
    setError(null);
    try {
      setAccess(await put<SupportAccess>("/support/access", { open, minutes: open ? +mins : 0 }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const open = !!access?.open;
  return (
    <section class="card access" data-testid="support-access" aria-label={t("support.access")}>
      <div class="access-row">
        <Switch label={t("support.access")} checked={open} disabled={busy || !access} onChange={(v) => set(v, minutes)} testid="access-toggle" />
        <span class={"badge " + (open ? "access-open" : "access-closed")} data-testid="access-state" data-open={open ? "1" : "0"} role="status">
          {open ? t("support.accessOpen") : t("support.accessClosed")}
        </span>
        <label class="inline">
          <span>{t("support.duration")}</span>
          <select
            value={minutes}
            disabled={busy || !access}
            onChange={(e) => {
              const v = val(e);
              setMinutes(v);
              if (open) set(true, v); // a new duration from now
            }}
            data-testid="access-duration"
          >
            {DURATIONS.map(([m, key]) => (
              <option value={m}>{t(key as any)}</option>
            ))}
          </select>
        </label>
        {open && access?.until && (
          <span class="muted" data-testid="access-until">
            {t("support.closesAt", { when: fmtDateTime(access.until) })}
          </span>
        )}
        <button type="button" class="link" onClick={() => setLog(true)} data-testid="activity-open">
          {t("support.activity")}
        </button>
      </div>
      <p class="hint">{open ? t("support.accessOpenHint") : t("support.accessClosedHint")}</p>
      <ErrorBox error={error} />
      {log && <ActivityLog onClose={() => setLog(false)} />}
    </section>
  );
}

/** VIEWS are the kinds of support.view entries (hub.SupportViewKind); the API reads old entries as these too. */
const VIEWS: SupportViewKind[] = ["live", "account", "conversations", "conversation", "tickets", "ticket", "sites", "site", "knowledge", "knowledge_entry", "canned_responses", "canned_response", "reports", "visitor", "team", "support", "other"];

/** describe says what an audit entry of support access records, in words: never a request line or JSON. */
function describe(e: AuditEntry): string {
  const d = e.data || {};
  if (e.action === "support.view") {
    const kind: SupportViewKind = VIEWS.includes(d.view) ? d.view : "other";
    const what = t(("support.view." + kind) as any, { id: Number(d.id) || 0 });
    return t("support.logView", { who: d.staff || d.email || t("support.staff"), what });
  }
  if (e.action === "support.access") {
    const who = e.actor_id ? memberName(e.actor_id) : t("tickets.system");
    if (!d.open) return t("support.logClosed", { who });
    return d.until ? t("support.logOpenedUntil", { who, when: fmtDateTime(d.until) }) : t("support.logOpened", { who });
  }
  return e.action;
}

/** REPEAT is how close in time the same view by the same person is shown once, with a count. */
const REPEAT = 60000;

/** collapse joins runs of the same entry (newest first): opening a conversation reads it, its messages and its live updates. */
function collapse(items: AuditEntry[]): { e: AuditEntry; text: string; n: number }[] {
  const out: { e: AuditEntry; text: string; n: number; last: number }[] = [];
  for (const e of items) {
    const text = describe(e);
    const at = Date.parse(e.created_at);
    const prev = out[out.length - 1];
    if (prev && prev.text === text && prev.e.actor_id === e.actor_id && prev.last - at <= REPEAT) {
      prev.n++;
      prev.last = at;
    } else out.push({ e, text, n: 1, last: at });
  }
  return out;
}

/** ActivityLog lists what staff looked at in the workspace, and who opened and closed the access. */
function ActivityLog({ onClose }: { onClose: () => void }) {
  const { list: items, next, loading, error, load } = usePaged(
    (before) => get<Page<AuditEntry>>("/support/audit" + qs({ before })),
    (items) => items,
  );
  useEffect(() => {
    load();
  }, []);
  return (
    <Modal title={t("support.activity")} onClose={onClose} testid="activity-log">
      <p class="hint">{t("support.activityHint")}</p>
      <ErrorBox error={error} />
      <ul class="plain-list audit" data-testid="audit-list">
        {collapse(items).map(({ e, text, n }) => (
          <li data-testid="audit-entry" data-action={e.action} title={e.data?.email || undefined}>
            <time class="muted">{fmtDateTime(e.created_at)}</time>
            <span class="wrap">{text}</span>
            {n > 1 && <span class="muted"> {t("support.logTimes", { n })}</span>}
          </li>
        ))}
      </ul>
      {!loading && !items.length && !error && <p class="muted">{t("support.activityNone")}</p>}
      {loading && <p class="muted">{t("common.loading")}</p>}
      {next && !loading && (
        <button type="button" class="wide" onClick={() => load(next)}>
          {t("common.loadMore")}
        </button>
      )}
    </Modal>
  );
}

function SupportList({ filter, q, selected }: { filter: SupportFilter; q: string; selected: number }) {
  const all = useStore(supportTickets);
  const [search, setSearch] = useState(q);
  const path = (before?: string, ids?: number[]) => "/support/tickets" + qs({ status: filter, q, before, ids: ids?.join(",") });
  const { list: ids, setList: setIds, ref: idsRef, next, loading, error, load } = usePaged(
    (before) => get<Page<SupportTicket>>(path(before)),
    (items) => {
      for (const tk of items) applySupport(tk);
      return items.map((tk) => tk.id);
    },
  );

  useEffect(() => {
    setIds([]);
    setSearch(q);
    load();
    const offResync = supportLive.onResync(() => load());
    // Without the socket, the first page is asked for again now and then.
    const poller = setInterval(() => {
      if (supportLive.state.value === "online" || document.visibilityState !== "visible") return;
      get<Page<SupportTicket>>(path()).then((p) => p.items.forEach(applySupport), () => {});
    }, POLL);
    return () => {
      offResync();
      clearInterval(poller);
    };
  }, [filter, q]);

  // Tickets newer than the list (created here, or live) join it when the
  // server's answer to the list's own query has them (liveCheck).
  const check = useRef<LiveCheck>();
  const asked = useRef(new Map<number, SupportTicket>()); // each version asked about once
  useEffect(() => {
    asked.current.clear();
    const c = liveCheck(
      (asked) => get<Page<SupportTicket>>(path(undefined, asked)),
      (_, items) => {
        for (const tk of items) applySupport(tk);
        const fresh = items.map((tk) => tk.id).filter((i) => !idsRef.current.includes(i));
        if (fresh.length) setIds([...fresh, ...idsRef.current].sort((a, b) => b - a));
      },
    );
    check.current = c;
    return () => c.stop();
  }, [filter, q]);
  useEffect(() => {
    if (loading) return;
    const top = idsRef.current[0] || 0;
    for (const tk of Object.values(all)) {
      if (tk.id > top && !idsRef.current.includes(tk.id) && asked.current.get(tk.id) !== tk) {
        asked.current.set(tk.id, tk);
        check.current?.add(tk.id);
      }
    }
  }, [all, loading]);

  return (
    <section class="list-pane" aria-label={t("support.tickets")}>
      <header class="pane-head">
        <form
          class="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            navigate(listURL(filter, search.trim()));
          }}
        >
          <input
            type="search"
            data-testid="ticket-search"
            placeholder={t("support.search")}
            aria-label={t("support.search")}
            value={search}
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
        </form>
      </header>
      <nav class="filters" aria-label={t("support.statusFilter")}>
        {SUPPORT_FILTERS.map((f) => (
          <Link href={listURL(f, q)} class={"chip" + (f === filter ? " on" : "")} aria-current={f === filter ? "true" : undefined} data-testid={"filter-" + f}>
            {f === "all" ? t("filter.all") : f === "done" ? t("support.done") : t("support.onCustomer")}
          </Link>
        ))}
      </nav>
      <ErrorBox error={error} />
      <ul class="rows" data-testid="ticket-list">
        {ids.map((i) => {
          const tk = all[i];
          if (!tk) return null;
          return (
            <li key={i} class={(i === selected ? "sel " : "") + (tk.unread ? "unread" : "")} data-testid="ticket-row" data-id={i}>
              <Link href={listURL(filter, q, i)} class="row">
                <div class="row-top">
                  <span class="ref" data-testid="ticket-ref">
                    {tk.ref}
                  </span>
                  <SupportStatus status={tk.status} />
                  {tk.unread > 0 && (
                    <span class="unread-badge" data-testid="unread" aria-label={t("tickets.unread", { n: tk.unread })}>
                      {tk.unread}
                    </span>
                  )}
                  <span class="when">{fmtAgo(tk.last_activity_at)}</span>
                </div>
                <div class="subject" data-testid="ticket-subject">
                  {tk.subject}
                </div>
                <div class="row-bottom muted">
                  <span data-testid="request-type">{t(("request." + tk.request_type) as any)}</span>
                </div>
              </Link>
            </li>
          );
        })}
      </ul>
      {!loading && !ids.length && !error && <p class="muted empty">{q || filter !== "all" ? t("support.noneMatch") : t("support.none")}</p>}
      {loading && <p class="muted">{t("common.loading")}</p>}
      {next && !loading && (
        <button type="button" class="wide" onClick={() => load(next)} data-testid="load-more">
          {t("common.loadMore")}
        </button>
      )}
    </section>
  );
}

function SupportDetail({ id, back, followUp }: { id: number; back: string; followUp: (tk: SupportTicket) => void }) {
  const all = useStore(supportTickets);
  const tk = all[id];
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let gone = false;
    const load = () =>
      get<SupportTicket>("/support/tickets/" + id).then(
        (tk) => !gone && applySupport(tk),
        (e) => !gone && setError(e),
      );
    load();
    const off = supportLive.onResync(load);
    const poller = setInterval(() => supportLive.state.value !== "online" && document.visibilityState === "visible" && load(), POLL);
    return () => {
      gone = true;
      off();
      clearInterval(poller);
    };
  }, [id]);
  if (!tk) {
    return (
      <section class="detail-pane" data-testid="ticket-detail">
        {error ? <p class="error">{error instanceof ApiError && error.status === 404 ? t("tickets.notFound") : errorText(error)}</p> : <p class="muted">{t("common.loading")}</p>}
      </section>
    );
  }
  const follows = tk.follows_ticket_id ? all[tk.follows_ticket_id] : undefined;
  return (
    <section class="detail-pane" data-testid="ticket-detail" data-id={id}>
      <header class="detail-head">
        <Link href={back} class="back" aria-label={t("common.back")}>
          ←
        </Link>
        <div class="title">
          <span class="ref">{tk.ref}</span> <SupportStatus status={tk.status} />
          <h1 data-testid="detail-subject">{tk.subject}</h1>
        </div>
      </header>
      <p class="muted facts-line">
        <span data-testid="detail-request-type">{t(("request." + tk.request_type) as any)}</span>
        {" · "}
        {t("tickets.created")} {fmtDateTime(tk.created_at)}
        {tk.follows_ticket_id ? (
          <>
            {" · "}
            <Link href={"/support/" + tk.follows_ticket_id} data-testid="detail-follows">
              {t("support.follows", { ref: follows?.ref || "#" + tk.follows_ticket_id })}
            </Link>
          </>
        ) : null}
      </p>
      <div class="detail-main">
        <SupportChat key={tk.conversation_id} tk={tk} followUp={() => followUp(tk)} />
      </div>
    </section>
  );
}

/** useTeamTyping tells whether the support team is typing in the conversation. */
function useTeamTyping(convId: number): boolean {
  const [until, setUntil] = useState(0);
  useEffect(() => {
    const off = supportLive.on("typing", (d: { conversation_id: number; author_kind: string; typing: boolean }) => {
      if (d.conversation_id === convId && d.author_kind === "agent") setUntil(d.typing ? Date.now() + 10000 : 0);
    });
    const offMsg = supportLive.on("message.created", (m: Message) => m.conversation_id === convId && m.author_kind === "agent" && setUntil(0));
    return () => {
      off();
      offMsg();
    };
  }, [convId]);
  useEffect(() => {
    if (!until) return;
    const timer = setTimeout(() => setUntil(0), Math.max(0, until - Date.now()));
    return () => clearTimeout(timer);
  }, [until]);
  return until > 0;
}

/** useSupportRead marks the ticket read while it is on screen: its red indicator clears. */
function useSupportRead(tk: SupportTicket, messages: Message[]): void {
  const last = messages.length ? messages[messages.length - 1].seq : 0;
  useEffect(() => {
    if (!last || !tk.unread) return;
    const rest = () =>
      post<{ unread: number }>(`/support/tickets/${tk.id}/read`, { seq: last }).then(
        (r) => applySupportUnread(tk.conversation_id, r.unread),
        () => {},
      );
    const mark = () => {
      if (document.visibilityState !== "visible") return;
      if (supportLive.online) supportLive.request("read", { conversation_id: tk.conversation_id, seq: last }).catch(rest);
      else rest();
    };
    const timer = setTimeout(mark, 300);
    document.addEventListener("visibilitychange", mark);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", mark);
    };
  }, [tk.id, last, tk.unread]);
}

function SupportChat({ tk, followUp }: { tk: SupportTicket; followUp: () => void }) {
  const ch = useMemo<Channel>(() => ({ live: supportLive, rest: "/support/tickets/" + tk.id, poll: true }), [tk.id]);
  const thread = useThread(tk.conversation_id, ch);
  useSupportRead(tk, thread.messages);
  const typing = useTeamTyping(tk.conversation_id);
  return (
    <>
      <Timeline id={tk.conversation_id} thread={thread} mode="support" typingLine={typing ? t("support.teamTyping") : ""} />
      {tk.status === "done" ? (
        <div class="card done-box" data-testid="support-done">
          <p>{t("support.doneText")}</p>
          <button type="button" class="primary" onClick={followUp} data-testid="follow-up">
            {t("support.followUp")}
          </button>
        </div>
      ) : (
        <Composer id={tk.conversation_id} thread={thread} plain ch={ch} label={t("support.message")} placeholder={t("support.placeholder")} />
      )}
    </>
  );
}

/** NewTicket is "+ New ticket" (001 "How to create a new ticket"); follows continues a done ticket. */
function NewTicket({ follows, onClose }: { follows?: SupportTicket; onClose: () => void }) {
  const [subject, setSubject] = useState(follows ? follows.subject : "");
  const [type, setType] = useState<RequestType>(follows && follows.request_type !== "review" ? follows.request_type : "question");
  const [body, setBody] = useState(follows ? t("support.followsBody", { ref: follows.ref }) : "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const ready = subject.trim() && body.trim();
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      const tk = await post<SupportTicket>("/support/tickets", {
        subject: subject.trim(),
        body: body.trim(),
        request_type: type,
        follows_ticket_id: follows?.id || 0,
      });
      applySupport(tk);
      onClose();
      navigate("/support/" + tk.id);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal title={t("support.newTicketTitle")} onClose={onClose} testid="new-ticket-dialog">
      <form onSubmit={submit}>
        {follows && (
          <p class="muted" data-testid="new-ticket-follows" data-id={follows.id}>
            {t("support.follows", { ref: follows.ref })}
          </p>
        )}
        <Field label={t("support.ticketTitle")} hint={t("support.urgentTip")}>
          <input value={subject} maxLength={200} autofocus onInput={(e) => setSubject(val(e))} data-testid="new-ticket-title" />
        </Field>
        <Field label={t("support.requestType")}>
          <select value={type} onChange={(e) => setType(val(e) as RequestType)} data-testid="new-ticket-type">
            {REQUEST_TYPES.map((r) => (
              <option value={r}>{t(("request." + r) as any) + " — " + t(("request." + r + ".time") as any)}</option>
            ))}
          </select>
        </Field>
        <Field label={t("support.firstMessage")} hint={t("support.firstMessageHint")}>
          <textarea rows={6} value={body} onInput={(e) => setBody(val(e))} data-testid="new-ticket-body" />
        </Field>
        <ErrorBox error={error} />
        <div class="modal-actions">
          <button type="button" onClick={onClose}>
            {t("review.cancel")}
          </button>
          <button type="submit" class="primary" disabled={busy || !ready} data-testid="new-ticket-submit">
            {t("support.create")}
          </button>
        </div>
      </form>
    </Modal>
  );
}
