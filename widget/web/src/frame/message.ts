// One message of a thread, drawn: its author, file, text and time; thumbs
// under the assistant's answers (with the ticket offer after a downvote);
// the email step when the assistant asks for one; the send state of the
// visitor's own. Text is only ever set as text (linkify.ts).
import type { Attachment, Message } from "../types";
import { button, el, setFieldError, validEmail } from "./dom";
import type { Env } from "./env";
import { appendText } from "./linkify";

export type SendState = "queued" | "sending" | "sent" | "failed";

/** Item is a message in a thread: the server's, or the visitor's own on its way. */
export interface Item {
  m: Message;
  li: HTMLLIElement;
  state?: SendState;
  /** error says why a failed message was not sent. */
  error?: string;
  timer?: number;
  /** file is an attachment still to upload. */
  file?: File;
}

/** ItemHost is the thread an item is drawn in. */
export interface ItemHost {
  env: Env;
  /** writable: the conversation takes messages (a closed one offers no ticket or email step). */
  readonly writable: boolean;
  /** asksEmail: the item is the newest message and asks for the visitor's email. */
  asksEmail(it: Item): boolean;
  vote(it: Item, v: "" | "up" | "down"): void;
  ticket(it: Item): void;
  email(address: string): void;
  retry(it: Item): void;
  nearBottom(): boolean;
  scrollDown(): void;
}

const THUMB =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z"/></svg>';

/** renderItem (re)draws it; focus inside it survives the redraw. */
export function renderItem(h: ItemHost, it: Item): void {
  const { t } = h.env;
  const { m, li } = it;
  const kind = m.author_kind;
  const focused = document.activeElement && li.contains(document.activeElement) ? document.activeElement.className : "";
  li.className = "msg " + (kind === "visitor" ? "out" : kind === "system" ? "sys" : "in " + kind);
  li.textContent = "";
  if (kind === "agent" || kind === "assistant") author(h.env, li, kind, m);
  const file = m.attachment;
  if (file) attachment(h, li, file);
  if (!file || m.body !== file.name) appendText(el("div", "body", li), m.body);
  const meta = el("span", "meta", li);
  meta.textContent = timeOf(m);
  if (kind === "assistant" && m.id) feedback(h, it);
  if (h.asksEmail(it)) emailStep(h, li);
  if (focused) {
    const again = li.querySelector<HTMLElement>("." + focused.trim().split(/\s+/).join("."));
    if (again) again.focus();
  }
  if (kind !== "visitor" || !it.state) return;
  const st = el("span", "ss " + it.state, meta);
  st.textContent = (meta.textContent ? " · " : "") + t[it.state];
  if (it.state === "failed") {
    if (it.error) el("span", "why", li).textContent = it.error;
    button("retry", t.retry, li).onclick = () => h.retry(it);
  }
}

function timeOf(m: Message) {
  if (!m.created_at) return "";
  const d = new Date(m.created_at);
  return isNaN(+d) ? "" : d.toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
}

function author(env: Env, li: HTMLElement, kind: string, m: Message) {
  const who = el("span", "who", li);
  const avatar = kind === "agent" ? env.look.agent_avatar : env.look.assistant_avatar;
  if (avatar && /^https:\/\//.test(avatar)) {
    const img = el("img", "av", who);
    img.src = avatar;
    img.alt = "";
  }
  el("span", "", who).textContent = kind === "agent" ? m.author_name || env.t.agent : env.look.assistant_name || env.t.assistant;
}

// attachment shows an image inline and any other file as a download.
function attachment(h: ItemHost, li: HTMLElement, a: Attachment) {
  if (a.path.indexOf("/files/") !== 0) return;
  const href = h.env.root + a.path;
  if (/^image\/(png|jpeg|gif|webp)$/.test(a.content_type)) {
    const bottom = h.nearBottom();
    const link = el("a", "img", li);
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener";
    const img = el("img", "", link);
    img.alt = a.name;
    img.onload = () => bottom && h.scrollDown();
    img.src = href;
  } else {
    const link = el("a", "file", li);
    link.href = href;
    link.download = a.name;
    link.textContent = a.name + " (" + fileSize(a.size) + ")";
  }
}

function fileSize(n: number) {
  return n < 1024 ? n + " B" : n < 1 << 20 ? Math.round(n / 1024) + " KB" : (n / (1 << 20)).toFixed(1) + " MB";
}

function feedback(h: ItemHost, it: Item) {
  const { t } = h.env;
  const m = it.m;
  const row = el("div", "fb", it.li);
  for (const v of ["up", "down"] as const) {
    const b = el("button", "v " + v, row);
    b.type = "button";
    b.innerHTML = THUMB; // a constant icon, no user text
    b.setAttribute("aria-label", v === "up" ? t.helpful : t.unhelpful);
    b.setAttribute("aria-pressed", String(m.feedback === v));
    b.onclick = () => h.vote(it, m.feedback === v ? "" : v);
  }
  if (m.feedback === "down" && h.env.tickets && h.writable) {
    const offer = el("p", "offer", it.li);
    offer.textContent = t.sorry + " ";
    button("link", t.openTicket, offer).onclick = () => h.ticket(it);
  }
}

function emailStep(h: ItemHost, li: HTMLElement) {
  const { t } = h.env;
  const f = el("form", "ask", li);
  f.noValidate = true;
  const box = { input: el("input", "", f), error: el("p", "ferr", f) };
  box.input.type = "email";
  box.input.autocomplete = "email";
  box.input.placeholder = "name@example.com";
  box.input.maxLength = 254;
  box.input.value = h.env.email;
  box.input.setAttribute("aria-label", t.yourEmail);
  box.error.id = "ask-err";
  box.error.hidden = true;
  button("pri", t.send, f, "submit");
  f.onsubmit = (e) => {
    e.preventDefault();
    const v = box.input.value.trim();
    if (!validEmail(v)) {
      setFieldError(box, t.badEmail);
      return box.input.focus();
    }
    h.email(v);
  };
}
