// A conversation's thread: messages kept one per seq, loaded over REST and
// followed live (subscribe with after_seq, resync through history), the
// read marker, typing and viewing hints, and the composer with its outbox.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, get, post, upload } from "../api";
import { applyRead, convUnread, me, memberName, openConversation, readOnly, typing, unread, viewing, type ReadState } from "../data";
import { t } from "../i18n";
import { Live, live, LiveError } from "../live";
import { useStore } from "../store";
import { ExtLink, Text } from "../text";
import type { Attachment, Canned, Message, Page } from "../types";
import { errorText, fmtDateTime, fmtTime } from "../ui";
import { ReviewDialog } from "./review";
import { asTrace, TraceView } from "./trace";

const FAR = 9007199254740991;

/** MAX_FILE is the largest file the hub takes (hub.MaxAttachmentBytes). */
export const MAX_FILE = 10 << 20;

interface Outgoing {
  clientMsgId: string;
  body: string;
  internal: boolean;
  /** file goes over HTTP (multipart), not the socket. */
  file?: File;
  failed?: string;
}

export interface Thread {
  messages: Message[];
  outbox: Outgoing[];
  loading: boolean;
  error: unknown;
  hasEarlier: boolean;
  loadEarlier(): void;
  send(body: string, internal: boolean): void;
  /** sendFile uploads a file as a message to the visitor. */
  sendFile(file: File): void;
  /** retry sends a failed message again, with the same client_msg_id. */
  retry(clientMsgId: string): void;
  discard(clientMsgId: string): void;
}

/**
 * Channel is where a thread lives: its socket, and the REST path its
 * messages, attachments and read marker are under. Agents read their
 * workspace's conversations; the Support section reads its tickets
 * through the visitor side of the protocol, polling REST while its
 * socket is down.
 */
export interface Channel {
  live: Live;
  rest: string;
  poll?: boolean;
}

/** agentChannel is the agent socket and REST path of one conversation. */
export const agentChannel = (id: number): Channel => ({ live, rest: "/conversations/" + id });

/** POLL is how often a thread without its socket asks REST for new messages. */
const POLL = 4000;

/** useThread follows conversation id while mounted, through ch (the agent's by default). */
export function useThread(id: number, ch: Channel = agentChannel(id)): Thread {
  const sock = ch.live;
  const [byseq, setBySeq] = useState<Map<number, Message>>(() => new Map());
  const [outbox, setOutbox] = useState<Outgoing[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const ref = useRef({ map: new Map<number, Message>(), outbox: [] as Outgoing[], id });
  ref.current.id = id;

  const insert = (msgs: Message[]) => {
    if (!msgs.length) return;
    const map = new Map(ref.current.map);
    let changed = false;
    for (const m of msgs) {
      if (m.conversation_id !== ref.current.id) continue;
      const cur = map.get(m.seq);
      if (!cur || cur.id !== m.id || cur.feedback !== m.feedback) {
        map.set(m.seq, m);
        changed = true;
      }
    }
    if (!changed) return;
    ref.current.map = map;
    setBySeq(map);
    // A stored message leaves the outbox.
    const sent = new Set(msgs.map((m) => m.client_msg_id).filter(Boolean));
    if (ref.current.outbox.some((o) => sent.has(o.clientMsgId))) {
      ref.current.outbox = ref.current.outbox.filter((o) => !sent.has(o.clientMsgId));
      setOutbox(ref.current.outbox);
    }
  };
  const lastSeq = () => {
    let n = 0;
    for (const s of ref.current.map.keys()) n = Math.max(n, s);
    return n;
  };
  const history = async (before: number) => {
    const f = await sock.request("history", { conversation_id: id, before_seq: before, limit: 200 });
    insert(f.data?.messages || []);
  };

  useEffect(() => {
    ref.current.map = new Map();
    ref.current.outbox = [];
    setBySeq(ref.current.map);
    setOutbox([]);
    setLoading(true);
    setError(null);
    let gone = false;
    get<Page<Message>>(`${ch.rest}/messages?before_seq=${FAR}&limit=200`)
      .then((p) => !gone && insert(p.items || []))
      .catch((e) => !gone && setError(e))
      .finally(() => !gone && setLoading(false));
    const offs = [
      sock.subscribe({
        conversationId: id,
        lastSeq,
        subscribed: (d) => {
          if (gone) return;
          insert(d.messages || []);
          setLoading(false);
          if (d.resync) history((d.conversation?.last_seq || 0) + 1).catch(() => {});
        },
      }),
      sock.on("message.created", (m: Message) => insert([m])),
      sock.on("message.updated", (m: Message) => insert([m])),
      sock.on("ack", (d: { message: Message }) => d?.message && insert([d.message])),
      sock.on("resync", (d: { conversation_id: number; last_seq: number }) => {
        if (d.conversation_id === id) history(d.last_seq + 1).catch(() => {});
      }),
      // Re-send what got no ack, with the same client_msg_id (idempotent).
      sock.state.subscribe(() => {
        // Files are uploaded over HTTP: a reconnect does not concern them.
        if (sock.state.value === "online") for (const o of ref.current.outbox) if (!o.failed && !o.file) deliver(o);
      }),
    ];
    // Without its socket, a polled thread still sees what arrives.
    const poller = ch.poll
      ? setInterval(() => {
          if (sock.state.value === "online" || document.visibilityState !== "visible") return;
          get<Page<Message>>(`${ch.rest}/messages?after_seq=${lastSeq()}`).then((p) => !gone && insert(p.items || []), () => {});
        }, POLL)
      : 0;
    if (sock === live) openConversation.set(id); // the agent's: what notifications leave out
    return () => {
      gone = true;
      clearInterval(poller);
      offs.forEach((off) => off());
      if (openConversation.value === id) openConversation.set(0);
    };
  }, [id]);

  const failed = (cid: string, why: string) => {
    ref.current.outbox = ref.current.outbox.map((x) => (x.clientMsgId === cid ? { ...x, failed: why } : x));
    setOutbox(ref.current.outbox);
  };
  const deliver = async (o: Outgoing) => {
    if (o.file) {
      const form = new FormData();
      form.append("file", o.file, o.file.name);
      form.append("client_msg_id", o.clientMsgId);
      try {
        insert([await upload<Message>(`${ch.rest}/attachments`, form)]);
      } catch (e) {
        failed(o.clientMsgId, errorText(e)); // the server's reason (problem detail)
      }
      return;
    }
    // Only agents write notes: the visitor side sends no internal flag.
    const note = o.internal ? { internal: true } : {};
    try {
      if (sock.online) {
        const f = await sock.request("send", { conversation_id: id, client_msg_id: o.clientMsgId, body: o.body, ...note });
        insert([f.data.message]);
      } else {
        insert([await post<Message>(`${ch.rest}/messages`, { client_msg_id: o.clientMsgId, body: o.body, ...note })]);
      }
    } catch (e) {
      const offline = (e instanceof LiveError && (e.code === "offline" || e.code === "timeout")) || (e instanceof ApiError && e.status === 0);
      if (offline) return; // stays queued; sent again when back online
      failed(o.clientMsgId, e instanceof LiveError ? e.message || e.code : errorText(e));
    }
  };

  const queue = (o: Outgoing) => {
    ref.current.outbox = [...ref.current.outbox, o];
    setOutbox(ref.current.outbox);
    deliver(o);
  };
  const clientId = () => "d-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  const messages = useMemo(() => Array.from(byseq.values()).sort((a, b) => a.seq - b.seq), [byseq]);
  return {
    messages,
    outbox,
    loading,
    error,
    hasEarlier: messages.length > 0 && messages[0].seq > 1,
    loadEarlier: () => {
      const first = messages[0]?.seq || 0;
      if (sock.online) history(first).catch(() => {});
      else get<Page<Message>>(`${ch.rest}/messages?before_seq=${first}&limit=200`).then((p) => insert(p.items || []), () => {});
    },
    send: (body, internal) => queue({ clientMsgId: clientId(), body, internal }),
    sendFile: (file) => queue({ clientMsgId: clientId(), body: file.name, internal: false, file }),
    retry: (cid) => {
      const o = ref.current.outbox.find((x) => x.clientMsgId === cid);
      if (!o) return;
      ref.current.outbox = ref.current.outbox.map((x) => (x === o ? { ...o, failed: undefined } : x));
      setOutbox(ref.current.outbox);
      deliver({ ...o, failed: undefined });
    },
    discard: (cid) => {
      ref.current.outbox = ref.current.outbox.filter((o) => o.clientMsgId !== cid);
      setOutbox(ref.current.outbox);
    },
  };
}

/**
 * useReadMarker marks the thread read, for this member only, while it is
 * on screen and the member has unread messages in it (the server's count).
 */
export function useReadMarker(id: number, messages: Message[]): void {
  const count = convUnread(useStore(unread), id);
  const last = messages.length ? messages[messages.length - 1].seq : 0;
  useEffect(() => {
    // A staff viewer reads without marking: the workspace's unread is its members' own.
    if (!last || !count || readOnly()) return;
    const mark = () => {
      if (document.visibilityState !== "visible") return;
      if (live.online) live.request("read", { conversation_id: id, seq: last }).catch(() => {});
      else
        post<ReadState>(`/conversations/${id}/read`, { seq: last })
          .then(applyRead)
          .catch(() => {});
    };
    const timer = setTimeout(mark, 300);
    document.addEventListener("visibilitychange", mark);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", mark);
    };
  }, [id, last, count]);
}

/**
 * useViewing tells the other agents this member looks at the conversation,
 * again every 30 s (viewers not heard from for a minute are forgotten);
 * the server answers with who is already there and says when they leave.
 */
export function useViewing(id: number): void {
  useEffect(() => {
    if (readOnly()) return; // staff viewers are not among the workspace's agents
    const say = (on: boolean) => live.notify("viewing", { conversation_id: id, viewing: on });
    say(true);
    const timer = setInterval(() => say(true), 30000);
    // After a reconnect the new socket views nothing: say it again.
    const off = live.state.subscribe(() => live.state.value === "online" && say(true));
    return () => {
      clearInterval(timer);
      off();
      say(false);
    };
  }, [id]);
}

/** hubPath reports whether path is a path on the hub itself (signed file links). */
function hubPath(path: string): boolean {
  try {
    return path.startsWith("/") && new URL(path, location.href).origin === location.origin;
  } catch (e) {
    return false;
  }
}

/** INLINE are the image types shown in the thread (the hub serves them inline). */
const INLINE = /^image\/(png|jpeg|gif|webp)$/;

function fileSize(n: number): string {
  return n < 1024 ? n + " B" : n < 1 << 20 ? Math.round(n / 1024) + " KB" : (n / (1 << 20)).toFixed(1) + " MB";
}

/** stayDown keeps the timeline at its end when an image there loads. */
function stayDown(e: Event) {
  const img = e.currentTarget as HTMLImageElement;
  const tl = img.closest(".timeline");
  if (tl && tl.scrollHeight - tl.scrollTop - tl.clientHeight <= img.offsetHeight + 80) tl.scrollTop = tl.scrollHeight;
}

/** AttachmentView shows an attachment: images inline, other files as downloads. */
function AttachmentView({ a }: { a: Attachment }) {
  if (!hubPath(a.path)) {
    return (
      <div class="attachment">
        <ExtLink href={a.path}>{a.name}</ExtLink>
      </div>
    );
  }
  if (INLINE.test(a.content_type || "")) {
    return (
      <div class="attachment">
        <a class="att-img" href={a.path} target="_blank" rel="noopener noreferrer" data-testid="attachment-image">
          <img src={a.path} alt={a.name} onLoad={stayDown} />
        </a>
      </div>
    );
  }
  return (
    <div class="attachment">
      <a class="att-file" href={a.path} download={a.name} data-testid="attachment-file">
        {a.name}
        {a.size ? " (" + fileSize(a.size) + ")" : ""}
      </a>
    </div>
  );
}

const LABEL: Record<string, string> = { visitor: "label.user", assistant: "label.assistant", system: "label.system", agent: "label.agent" };

/**
 * Thread views: "agent" is the workspace's side of its conversations;
 * "support" is the workspace writing to the platform's team, where its
 * own messages (the visitor's side) are on the right and the team's on
 * the left.
 */
export type ThreadMode = "agent" | "support";

function ThumbsDown() {
  return (
    <svg viewBox="0 0 24 24" width="15" height="15" aria-hidden="true">
      <path
        d="M10 15v4a3 3 0 0 0 3 3l4-9V2H5.7a2 2 0 0 0-2 1.7l-1.4 9a2 2 0 0 0 2 2.3H10zM17 2h2.7A2.3 2.3 0 0 1 22 4v7a2.3 2.3 0 0 1-2.3 2H17"
        fill="none"
        stroke="currentColor"
        stroke-width="1.8"
        stroke-linejoin="round"
      />
    </svg>
  );
}

function Bubble({ m, mode, onReview }: { m: Message; mode: ThreadMode; onReview?: (m: Message) => void }) {
  const support = mode === "support";
  const label = m.internal
    ? t("label.note")
    : support && m.author_kind === "visitor"
      ? t("support.you")
      : support && m.author_kind === "agent"
        ? t("support.team")
        : t(LABEL[m.author_kind] as any);
  // A support ticket's requester writes as the workspace's visitor, under their own name.
  const who =
    m.author_kind === "agent" ? m.author_name || (support ? "" : memberName(m.author_id)) : m.author_kind === "visitor" ? m.author_name || "" : "";
  const att = m.attachment;
  return (
    <li class={"msg " + m.author_kind + (m.internal ? " internal" : "")} data-testid="message" data-seq={m.seq} data-kind={m.author_kind} data-id={m.id}>
      <div class="meta">
        <span class="who" data-testid="message-label">
          {label}
        </span>
        {who && <span class="name">{who}</span>}
        {m.status_type && (
          <span class="status-type" data-testid="status-type">
            {m.status_type}
          </span>
        )}
        {m.feedback && <span class={"fb " + m.feedback}>{m.feedback === "up" ? t("fb.up") : t("fb.down")}</span>}
        <time title={fmtDateTime(m.created_at)}>{fmtTime(m.created_at)}</time>
        {onReview && m.author_kind === "assistant" && !m.internal && (
          <button
            type="button"
            class="icon review-button"
            aria-label={t("review.button")}
            title={t("review.button")}
            onClick={() => onReview(m)}
            data-testid="review-button"
          >
            <ThumbsDown />
          </button>
        )}
      </div>
      {att && <AttachmentView a={att} />}
      {m.body && !(att && m.body === att.name) && (
        <div class="body" data-testid="message-body">
          <Text text={m.body} />
        </div>
      )}
      {asTrace(m.trace) && <TraceView trace={asTrace(m.trace)!} conversationId={m.conversation_id} />}
    </li>
  );
}

/**
 * Timeline shows the messages, the outbox and who is typing. In the
 * agent's view every assistant message has "Mark response as unhelpful",
 * which opens the four-step review (review.tsx); staff, who review
 * nothing of a workspace, do not get it.
 */
export function Timeline({ id, thread, mode = "agent", typingLine }: { id: number; thread: Thread; mode?: ThreadMode; typingLine?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const mine = useStore(me);
  const [reviewing, setReviewing] = useState(0);
  const count = thread.messages.length + thread.outbox.length;
  useEffect(() => {
    // Scroll the thread, not the page: the header stays in view.
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [count, id]);
  const reviews = mode === "agent" && !!mine && !mine.staff && !readOnly();
  const own = mode === "support" ? "visitor" : "agent";
  return (
    <div class={"timeline" + (mode === "support" ? " support-thread" : "")} data-testid="timeline" ref={box}>
      {thread.hasEarlier && (
        <button type="button" class="link" onClick={thread.loadEarlier}>
          {t("thread.earlier")}
        </button>
      )}
      {thread.loading && !thread.messages.length && <p class="muted">{t("common.loading")}</p>}
      {thread.error && !thread.messages.length ? <p class="error">{errorText(thread.error)}</p> : null}
      {!thread.loading && !thread.messages.length && !thread.error && <p class="muted">{t("thread.empty")}</p>}
      <ol class="messages">
        {thread.messages.map((m) => (
          <Bubble key={m.seq} m={m} mode={mode} onReview={reviews ? (m) => setReviewing(m.id) : undefined} />
        ))}
        {thread.outbox.map((o) => (
          <li key={o.clientMsgId} class={"msg " + own + " pending" + (o.internal ? " internal" : "")} data-testid="message-pending">
            <div class="meta">
              <span class="who">{o.internal ? t("label.note") : mode === "support" ? t("support.you") : t("label.agent")}</span>
              <span class={o.failed ? "error" : "muted"} data-testid="pending-state" role={o.failed ? "alert" : undefined}>
                {o.failed ? t("thread.failed", { why: o.failed }) : o.file ? t("thread.uploading") : t("thread.sending")}
              </span>
              {o.failed && (
                <>
                  <button type="button" class="link" onClick={() => thread.retry(o.clientMsgId)} data-testid="retry">
                    {t("thread.retry")}
                  </button>
                  <button type="button" class="link" onClick={() => thread.discard(o.clientMsgId)}>
                    {t("common.dismiss")}
                  </button>
                </>
              )}
            </div>
            <div class={"body" + (o.file ? " att-file" : "")}>
              <Text text={o.body} />
            </div>
          </li>
        ))}
      </ol>
      {mode === "agent" ? (
        <Typing id={id} />
      ) : (
        typingLine && (
          <p class="typing" role="status" data-testid="typing">
            {typingLine}
          </p>
        )
      )}
      {reviewing ? <ReviewDialog messageId={reviewing} onClose={() => setReviewing(0)} /> : null}
    </div>
  );
}

/** Typing says who is typing in the conversation, and the assistant's work. */
export function Typing({ id }: { id: number }) {
  const all = useStore(typing);
  const who = Object.entries(all[id] || {});
  if (!who.length) return null;
  return (
    <p class="typing" role="status" data-testid="typing">
      {who
        .map(([k, v]) =>
          k === "visitor"
            ? t("thread.visitorTyping")
            : k === "assistant"
              ? t("thread.assistantWorking") + (v.statusType ? " (" + v.statusType + ")" : "")
              : t("thread.agentTyping", { name: memberName(+k.slice(6)) }),
        )
        .join(" · ")}
    </p>
  );
}

/** Viewers lists the other agents looking at the conversation. */
export function Viewers({ id }: { id: number }) {
  const all = useStore(viewing);
  const names = Object.values(all[id] || {});
  if (!names.length) return null;
  return (
    <span class="viewers" data-testid="viewers">
      {t("thread.viewing", { names: names.join(", ") })}
    </span>
  );
}

/**
 * Composer writes replies to the visitor or private notes, with canned
 * responses; plain (Support) writes messages only, with typing told
 * through its channel's socket.
 */
export function Composer(props: { id: number; thread: Thread; canned?: Canned[]; label?: string; plain?: boolean; ch?: Channel; placeholder?: string }) {
  const { id, thread, canned, label, plain } = props;
  const sock = props.ch?.live || live;
  const [body, setBody] = useState("");
  const [internal, setInternal] = useState(false);
  const [fileError, setFileError] = useState("");
  const fileInput = useRef<HTMLInputElement>(null);
  const lastTyping = useRef(0);
  const stopTimer = useRef(0);
  const typingOn = useRef(false);
  const stopTyping = () => {
    clearTimeout(stopTimer.current);
    if (typingOn.current && !internal) sock.notify("typing", { conversation_id: id, typing: false });
    typingOn.current = false;
    lastTyping.current = 0;
  };
  useEffect(() => stopTyping, [id]);
  const onInput = (v: string) => {
    setBody(v);
    if (internal) return; // notes are private: no typing shown to the visitor
    const now = Date.now();
    if (v.trim() && now - lastTyping.current > 3000) {
      lastTyping.current = now;
      typingOn.current = true;
      sock.notify("typing", { conversation_id: id, typing: true });
    }
    clearTimeout(stopTimer.current);
    stopTimer.current = setTimeout(stopTyping, 4000) as unknown as number;
  };
  // Files go to the visitor: never from the note mode. Over the hub's limit,
  // they are refused here, before any upload.
  const attach = (files: ArrayLike<File>) => {
    setFileError("");
    for (const f of Array.from(files)) {
      if (f.size > MAX_FILE) setFileError(t("thread.tooBig", { name: f.name, max: MAX_FILE >> 20 }));
      else thread.sendFile(f);
    }
  };
  const submit = (e?: Event) => {
    e?.preventDefault();
    const text = body.trim();
    if (!text) return;
    thread.send(text, internal);
    setBody("");
    stopTyping();
  };
  return (
    <form class={"composer" + (internal ? " note" : "")} onSubmit={submit} data-testid="composer">
      {!plain && <div class="composer-tabs" role="tablist">
        <button type="button" role="tab" aria-selected={!internal} class={!internal ? "on" : ""} onClick={() => setInternal(false)} data-testid="mode-reply">
          {label || t("thread.reply")}
        </button>
        <button type="button" role="tab" aria-selected={internal} class={internal ? "on" : ""} onClick={() => setInternal(true)} data-testid="mode-note">
          {t("thread.note")}
        </button>
        {canned && canned.length > 0 && (
          <select
            aria-label={t("thread.canned")}
            data-testid="canned"
            value=""
            onChange={(e) => {
              const c = canned.find((c) => String(c.id) === (e.target as HTMLSelectElement).value);
              if (c) onInput(body ? body + "\n" + c.body : c.body);
              (e.target as HTMLSelectElement).value = "";
            }}
          >
            <option value="">{t("thread.canned")}</option>
            {canned.map((c) => (
              <option value={String(c.id)}>{c.title}</option>
            ))}
          </select>
        )}
      </div>}
      <textarea
        id="reply-box"
        data-testid="reply-box"
        rows={3}
        value={body}
        placeholder={internal ? t("thread.notePlaceholder") : props.placeholder || t("thread.replyPlaceholder")}
        aria-label={internal ? t("thread.note") : label || t("thread.reply")}
        onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)}
        onBlur={stopTyping}
        onPaste={(e) => {
          // A pasted screenshot is sent as a file. What also comes as text
          // (cells from a spreadsheet carry a picture of themselves) is text.
          const files = e.clipboardData?.files;
          if (internal || !files || !files.length || e.clipboardData!.types.includes("text/plain")) return;
          e.preventDefault();
          attach(files);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit(e);
          if (e.key === "Escape") (e.target as HTMLTextAreaElement).blur();
        }}
      />
      {fileError && (
        <p class="error" role="alert" data-testid="attach-error">
          {fileError}
        </p>
      )}
      <div class="composer-actions">
        {!internal && (
          <>
            <button type="button" class="icon attach" aria-label={t("thread.attach")} title={t("thread.attach")} onClick={() => fileInput.current?.click()} data-testid="attach">
              <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                <path d="M16.5 6.5 8.6 14.4a2 2 0 0 0 2.8 2.8l8-8a4 4 0 0 0-5.6-5.6l-8 8a6 6 0 0 0 8.5 8.5l7.2-7.2" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
              </svg>
            </button>
            <input
              type="file"
              ref={fileInput}
              multiple
              hidden
              tabIndex={-1}
              data-testid="attach-input"
              onChange={(e) => {
                const input = e.target as HTMLInputElement;
                if (input.files) attach(input.files);
                input.value = "";
              }}
            />
          </>
        )}
        <span class="hint">{internal ? t("thread.noteHint") : t("thread.sendHint")}</span>
        <button type="submit" class="primary" disabled={!body.trim()} data-testid="reply-send">
          {internal ? t("thread.addNote") : t("thread.send")}
        </button>
      </div>
    </form>
  );
}

/** useCanned loads the canned responses once per mount. */
export function useCanned(): Canned[] {
  const [items, setItems] = useState<Canned[]>([]);
  useEffect(() => {
    get<Page<Canned>>("/canned-responses").then((p) => setItems(p.items || []), () => {});
  }, []);
  return items;
}

