// Conversations (004): per site, filtered by date range, feedback,
// escalation and tickets; the detail shows the labelled timeline, the identity card,
// "Open ticket", "Export JSON", and lets an agent take over and reply.
import { useEffect, useState } from "preact/hooks";
import { ApiError, get, post, qs } from "../api";
import { applyConv, convs, convUnread, me, memberName, readOnly, unread } from "../data";
import { t } from "../i18n";
import { live } from "../live";
import { Link, loc, navigate } from "../router";
import { useStore } from "../store";
import type { Conversation, Page } from "../types";
import { ErrorBox, errorText, fmtAgo, fmtDateTime, usePaged } from "../ui";
import { ReadOnlyNote } from "./tickets";
import { Composer, useCanned } from "./composer";
import { Timeline, Viewers } from "./timeline";
import { useReadMarker, useThread, useViewing } from "./thread";
import { ClosedNote, ConvStatusActions, ConvStatusBadge } from "./lifecycle";
import { useSites } from "./sites";

type Query = { site: string; from: string; to: string; has: boolean; kind: string; escalated: string; ticket: string };

function readQuery(q: URLSearchParams): Query {
  return {
    site: q.get("site") || "",
    from: q.get("from") || "",
    to: q.get("to") || "",
    has: q.get("has") === "1",
    // "both" is what "either" was called in links made before it meant either.
    kind: q.get("kind") === "both" ? "either" : q.get("kind") || "",
    escalated: q.get("escalated") || "",
    ticket: q.get("ticket") || "",
  };
}

function queryString(f: Query) {
  return qs({ site: f.site, from: f.from, to: f.to, has: f.has ? "1" : "", kind: f.kind, escalated: f.escalated, ticket: f.ticket });
}

/** feedbackParam maps the 004 filters onto the API's feedback values: a kind (up, down, either, none), else "has feedback" (either). */
function feedbackParam(f: Query): string {
  if (f.kind) return f.kind;
  return f.has ? "either" : "";
}

function visitorLabel(c: Conversation): string {
  const v = c.visitor;
  if (!v) return t("conv.visitor", { id: c.visitor_id });
  return v.name || v.email || v.external_id || (v.anonymous_id ? v.anonymous_id.slice(0, 12) : t("conv.visitor", { id: c.visitor_id }));
}

export function ConversationsView({ id }: { id: number }) {
  const l = useStore(loc);
  const f = readQuery(l.query);
  const [sites, sitesErr] = useSites();
  useEffect(() => {
    if (sites && sites.length && !f.site) navigate("/conversations" + (id ? "/" + id : "") + queryString({ ...f, site: String(sites[0].id) }), true);
  }, [sites, f.site]);
  return (
    <div class={"split" + (id ? " has-detail" : "")}>
      <section class="list-pane" aria-label={t("nav.conversations")}>
        <header class="pane-head">
          <h1>{t("nav.conversations")}</h1>
          {sites && sites.length > 1 && (
            <select
              aria-label={t("conv.site")}
              value={f.site}
              onChange={(e) => navigate("/conversations" + queryString({ ...f, site: (e.target as HTMLSelectElement).value }))}
            >
              {sites.map((s) => (
                <option value={String(s.id)}>{s.name}</option>
              ))}
            </select>
          )}
        </header>
        <ErrorBox error={sitesErr} />
        <Filters f={f} />
        {f.site && <ConvList f={f} selected={id} />}
        {sites && !sites.length && <p class="muted">{t("conv.noSites")}</p>}
      </section>
      {id ? <ConversationDetail key={id} id={id} back={"/conversations" + queryString(f)} /> : <div class="detail-empty muted">{t("conv.pick")}</div>}
    </div>
  );
}

function Filters({ f }: { f: Query }) {
  // Filtering keeps the conversation shown, if any.
  const go = (g: Partial<Query>) => navigate(loc.value.path + queryString({ ...f, ...g }));
  return (
    <form class="conv-filters" aria-label={t("conv.filters")} onSubmit={(e) => e.preventDefault()}>
      <label>
        <span>{t("conv.from")}</span>
        <input type="date" value={f.from} onChange={(e) => go({ from: (e.target as HTMLInputElement).value })} data-testid="conv-from" />
      </label>
      <label>
        <span>{t("conv.to")}</span>
        <input type="date" value={f.to} onChange={(e) => go({ to: (e.target as HTMLInputElement).value })} data-testid="conv-to" />
      </label>
      <label class="check">
        <input type="checkbox" checked={f.has} onChange={(e) => go({ has: (e.target as HTMLInputElement).checked })} data-testid="conv-has-feedback" />
        <span>{t("conv.hasFeedback")}</span>
      </label>
      <label>
        <span>{t("conv.kind")}</span>
        <select value={f.kind} onChange={(e) => go({ kind: (e.target as HTMLSelectElement).value })} data-testid="conv-kind">
          <option value="">{t("conv.kindAny")}</option>
          <option value="up">{t("conv.kindUp")}</option>
          <option value="down">{t("conv.kindDown")}</option>
          <option value="either">{t("conv.kindEither")}</option>
          <option value="none">{t("conv.kindNeither")}</option>
        </select>
      </label>
      <label title={t("conv.escalatedHint")}>
        <span>{t("conv.escalated")}</span>
        <select value={f.escalated} onChange={(e) => go({ escalated: (e.target as HTMLSelectElement).value })} data-testid="conv-escalated">
          <option value="">{t("conv.any")}</option>
          <option value="true">{t("common.yes")}</option>
          <option value="false">{t("common.no")}</option>
        </select>
      </label>
      <label title={t("conv.hasTicketHint")}>
        <span>{t("conv.hasTicket")}</span>
        <select value={f.ticket} onChange={(e) => go({ ticket: (e.target as HTMLSelectElement).value })} data-testid="conv-has-ticket">
          <option value="">{t("conv.any")}</option>
          <option value="true">{t("common.yes")}</option>
          <option value="false">{t("common.no")}</option>
        </select>
      </label>
    </form>
  );
}

function ConvList({ f, selected }: { f: Query; selected: number }) {
  const all = useStore(convs);
  const u = useStore(unread);
  const params = { site: f.site, from: f.from, to: f.to, feedback: feedbackParam(f), escalated: f.escalated, has_ticket: f.ticket };
  const key = JSON.stringify(params);
  const { list: ids, setList: setIds, ref: idsRef, next, loading, error, load } = usePaged(
    (before) => get<Page<Conversation>>("/conversations" + qs({ ...params, before })),
    (items) => {
      for (const c of items) applyConv(c);
      return items.map((c) => c.id);
    },
  );
  useEffect(() => {
    setIds([]);
    load();
    const plain = !f.from && !f.to && !feedbackParam(f) && !f.escalated && !f.ticket;
    // Without filters, a conversation of the site that moves shows on top.
    const off = live.on("conversation.updated", (c: Conversation) => {
      if (plain && String(c.site_id) === f.site && !idsRef.current.includes(c.id)) setIds([c.id, ...idsRef.current]);
    });
    const offResync = live.onResync(() => load());
    return () => {
      off();
      offResync();
    };
  }, [key]);
  const shown = ids.map((i) => all[i]).filter(Boolean);
  // Newest activity first, as the API orders them.
  shown.sort((a, b) => (b.last_message_at || "").localeCompare(a.last_message_at || ""));
  const myQ = loc.value.query.toString();
  return (
    <>
      <ErrorBox error={error} />
      <ul class="rows" data-testid="conversation-list">
        {shown.map((c) => (
          <li key={c.id} class={(c.id === selected ? "sel " : "") + (convUnread(u, c.id) ? "unread" : "")} data-testid="conversation-row" data-id={c.id}>
            <Link href={"/conversations/" + c.id + (myQ ? "?" + myQ : "")} class="row">
              <div class="row-top">
                <span class="ref">#{c.id}</span>
                <span class={"badge handoff-" + (c.handoff || c.owner || "")}>{t(("handoff." + (c.handoff || c.owner || "assistant")) as any)}</span>
                {c.escalated ? (
                  <span class="badge escalated" title={t("conv.escalatedHint")} data-testid="badge-escalated">
                    {t("conv.escalatedBadge")}
                  </span>
                ) : c.ticket_id ? (
                  <span class="badge ticketed" title={t("conv.hasTicketHint")} data-testid="badge-ticket">
                    {t("conv.ticketBadge")}
                  </span>
                ) : null}
                <ConvStatusBadge status={c.status} />
                {convUnread(u, c.id) > 0 && (
                  <span class="unread-badge" data-testid="unread" aria-label={t("tickets.unread", { n: convUnread(u, c.id) })}>
                    {convUnread(u, c.id)}
                  </span>
                )}
                <time class="when" dateTime={c.last_message_at} title={t("conv.lastMessage", { when: fmtDateTime(c.last_message_at) })} data-testid="last-message-at">
                  {fmtAgo(c.last_message_at)}
                </time>
              </div>
              <div class="subject">{visitorLabel(c)}</div>
              {c.preview && (
                <div class="row-preview muted" data-testid="conv-preview">
                  {c.preview_author === "assistant" ? t("conv.previewAssistant") : c.preview_author === "agent" ? t("conv.previewAgent") : ""}
                  {c.preview}
                </div>
              )}
              <div class="row-bottom muted">
                <span title={t("conv.feedback")}>
                  ↑{c.feedback_up || 0} ↓{c.feedback_down || 0}
                </span>
                {c.assignee_id ? <span>{memberName(c.assignee_id)}</span> : null}
              </div>
            </Link>
          </li>
        ))}
      </ul>
      {!loading && !shown.length && !error && <p class="muted empty">{t("conv.none")}</p>}
      {loading && <p class="muted">{t("common.loading")}</p>}
      {next && !loading && (
        <button type="button" class="wide" onClick={() => load(next)} data-testid="load-more">
          {t("common.loadMore")}
        </button>
      )}
    </>
  );
}

function ConversationDetail({ id, back }: { id: number; back: string }) {
  const all = useStore(convs);
  const mine = useStore(me);
  const c = all[id];
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const canned = useCanned();
  const thread = useThread(id);
  useReadMarker(id, thread.messages);
  useViewing(id);
  useEffect(() => {
    const load = () => get<Conversation>("/conversations/" + id).then(applyConv, setError);
    load();
    return live.onResync(load);
  }, [id]);
  if (!c) {
    return (
      <section class="detail-pane" data-testid="conversation-detail">
        {error ? <p class="error">{error instanceof ApiError && error.status === 404 ? t("conv.notFound") : errorText(error)}</p> : <p class="muted">{t("common.loading")}</p>}
      </section>
    );
  }
  const human = c.handoff === "human" || c.handoff === "ticket_open" || c.owner === "human";
  const ro = readOnly();
  const takeOver = async () => {
    setBusy(true);
    setError(null);
    try {
      applyConv(await post<Conversation>(`/conversations/${id}/take-over`));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const v = c.visitor;
  return (
    <section class="detail-pane" data-testid="conversation-detail" data-id={id}>
      <header class="detail-head">
        <Link href={back} class="back" aria-label={t("common.back")}>
          ←
        </Link>
        <div class="title">
          <span class="ref">#{c.id}</span>
          <h1>{visitorLabel(c)}</h1>
        </div>
        <div class="actions">
          {c.ticket_id ? (
            <Link href={"/tickets/" + c.ticket_id} class="button" data-testid="open-ticket">
              {t("conv.openTicket")}
            </Link>
          ) : (
            <button type="button" disabled title={t("conv.noTicket")} data-testid="open-ticket">
              {t("conv.openTicket")}
            </button>
          )}
          {/* A download link cannot name the workspace viewed: staff viewers read the thread here. */}
          {!ro && (
            <a class="button" href={`/api/v1/conversations/${id}/export`} download={`conversation-${id}.json`} data-testid="export-json">
              {t("conv.export")}
            </a>
          )}
          <ConvStatusActions c={c} />
          {!ro && (!human || (c.assignee_id && c.assignee_id !== mine?.id)) && (
            <button type="button" class="primary" onClick={takeOver} disabled={busy} data-testid="take-over">
              {t("conv.takeOver")}
            </button>
          )}
        </div>
      </header>
      <div class="presence-line">
        <ConvStatusBadge status={c.status} />
        <span class="muted">
          {t("conv.state")}: {t(("handoff." + (c.handoff || c.owner || "assistant")) as any)}
          {c.assignee_id ? " · " + memberName(c.assignee_id) : ""}
        </span>
        <Viewers id={id} />
      </div>
      <ErrorBox error={error} />
      <div class="detail-body">
        <div class="detail-main">
          <Timeline id={id} thread={thread} />
          <ClosedNote c={c} />
          {ro ? (
            <ReadOnlyNote />
          ) : human ? (
            <Composer id={id} thread={thread} canned={canned} />
          ) : (
            <p class="muted takeover-hint">{t("conv.takeOverHint")}</p>
          )}
        </div>
        <aside class="sidebar">
          <section class="card" data-testid="identity-card">
            <h2>{t("conv.identity")}</h2>
            <dl class="facts">
              <dt>{t("visitor.anonymousId")}</dt>
              <dd class="mono wrap">{v?.anonymous_id || "—"}</dd>
              <dt>{t("visitor.externalId")}</dt>
              <dd class="mono wrap">{v?.external_id || t("visitor.notIdentified")}</dd>
              {v?.email && (
                <>
                  <dt>{t("tickets.email")}</dt>
                  <dd>{v.email}</dd>
                </>
              )}
              {v?.name && (
                <>
                  <dt>{t("visitor.name")}</dt>
                  <dd>{v.name}</dd>
                </>
              )}
              <dt>{t("visitor.firstSeen")}</dt>
              <dd>{fmtDateTime(v?.first_seen) || "—"}</dd>
              <dt>{t("visitor.lastSeen")}</dt>
              <dd>{fmtDateTime(v?.last_seen) || "—"}</dd>
              {v?.country && (
                <>
                  <dt>{t("visitor.country")}</dt>
                  <dd>{v.country}</dd>
                </>
              )}
              {v?.device && (
                <>
                  <dt>{t("visitor.device")}</dt>
                  <dd>{v.device}</dd>
                </>
              )}
            </dl>
            <h3>{t("visitor.traits")}</h3>
            {v?.traits && Object.keys(v.traits).length ? (
              <dl class="facts traits">
                {Object.entries(v.traits).map(([k, val]) => (
                  <>
                    <dt>{k}</dt>
                    <dd class="wrap">{typeof val === "string" ? val : JSON.stringify(val)}</dd>
                  </>
                ))}
              </dl>
            ) : (
              <p class="muted">—</p>
            )}
          </section>
          <section class="card">
            <h2>{t("conv.feedback")}</h2>
            <p>
              {t("fb.up")}: {c.feedback_up || 0} · {t("fb.down")}: {c.feedback_down || 0}
            </p>
            {c.handoff_reason && (
              <p class="muted">
                {t("conv.reason")}: {c.handoff_reason}
              </p>
            )}
          </section>
        </aside>
      </div>
    </section>
  );
}
