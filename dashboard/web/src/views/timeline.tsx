// How a thread shows: its messages (labelled by author, with attachments,
// feedback and the assistant's trace), the outbox of what is being sent,
// and who is typing or looking at the conversation.
import { useEffect, useRef, useState } from "preact/hooks";
import { me, memberName, readOnly, typing, viewing } from "../data";
import { t } from "../i18n";
import { useStore } from "../store";
import { ExtLink, Text } from "../text";
import type { Attachment, Message } from "../types";
import { errorText, fmtDateTime, fmtTime } from "../ui";
import { ReviewDialog } from "./review";
import type { Thread } from "./thread";
import { asTrace, TraceView } from "./trace";

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
