// Writing to a thread: replies and private notes, canned responses,
// files (picked or pasted), and the typing hint the visitor sees.
import { useEffect, useRef, useState } from "preact/hooks";
import { get } from "../api";
import { me } from "../data";
import { t } from "../i18n";
import { live } from "../live";
import { useStore } from "../store";
import type { Canned, Page } from "../types";
import type { Channel, Thread } from "./thread";

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
  // Files go to the visitor: never from the note mode. Over the hub's limit
  // (GET /me), they are refused here, before any upload.
  const max = useStore(me)?.max_attachment_bytes || 0;
  const attach = (files: ArrayLike<File>) => {
    setFileError("");
    for (const f of Array.from(files)) {
      if (max && f.size > max) setFileError(t("thread.tooBig", { name: f.name, max: max >> 20 }));
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
