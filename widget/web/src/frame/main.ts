// The chat frame: the page /widget/frame serves on the hub's origin, inside
// the iframe the loader draws. It waits for the loader's init message (from
// one of the site's allowed origins, checked against the list the server
// put into the page), then speaks protocol v1 over the visitor websocket.
import type { Appearance, Attachment, FromFrame, Message, ToFrame, VisitorConversation } from "../types";
import { Conn, ConnState, Frame } from "./conn";
import { button, el, setFieldError, validEmail } from "./dom";
import { errorText, httpProblem } from "./errors";
import { strings, Strings } from "./i18n";
import { appendText } from "./linkify";
import { openTicketForm, TicketResult } from "./ticket";

type SendState = "queued" | "sending" | "sent" | "failed";

interface Item {
  m: Message;
  li: HTMLLIElement;
  state?: SendState;
  error?: string;
  timer?: number;
  file?: File; // an attachment still to upload
}

// What a request frame is waiting for.
type Req =
  | { kind: "send"; item: Item }
  | { kind: "history"; older: boolean }
  | { kind: "feedback"; item: Item; prev: string }
  | { kind: "ticket"; done: (r: TicketResult) => void }
  | { kind: "other" };

const ACK_TIMEOUT = 20000;
const TYPING_EVERY = 3000;
const TYPING_IDLE = 4000;
const TYPING_SHOWN = 10000;
const PAGE = 50;
const MAX_FILE = 10 << 20; // hub.MaxAttachmentBytes
const FILE_TYPES = "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,.zip,.docx,.xlsx,.pptx,.odt,.ods";
const THUMB =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z"/></svg>';

const app = document.getElementById("app")!;
const site = app.dataset.site || "";
const origins = (app.dataset.origins || "").split(" ").filter(Boolean);
// The hub's root path: the frame is served at <root>/widget/frame.
const root = location.pathname.replace(/\/widget\/frame$/, "");
const wsURL =
  app.dataset.ws ||
  (location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host + "/ws/visitor?site=" + encodeURIComponent(site);

let t: Strings = strings(navigator.language);
let parentOrigin = "";
let conn: Conn | null = null;
let connState: ConnState = "connecting";
let conv = 0;
let lastSeq = 0;
let firstSeq = 0;
let readSent = 0;
let unreadVersion = -1;
let isOpen = false;
let loaded = false; // the newest page of history is shown
let loadingOlder = false;
let agentName = "";
let token = "";
let visitorEmail = "";
let ticketsOn = false;
let look: Appearance = {};
let ticketFormOpen = false;

const bySeq = new Map<number, Item>();
const seqs: number[] = []; // shown seqs, ascending
const pending: Item[] = []; // own messages without a seq yet, in order
const requests = new Map<string, Req>();

// ---- DOM ----

const header = el("header", "h", app);
const title = el("h1", "", header);
const status = el("p", "st", header);
status.setAttribute("role", "status");
const reconnectBtn = el("button", "rc", header);
reconnectBtn.type = "button";
reconnectBtn.hidden = true;
const closeBtn = el("button", "x", header);
closeBtn.type = "button";
closeBtn.textContent = "×";
const alertBox = el("p", "err", app);
alertBox.setAttribute("role", "alert");
alertBox.hidden = true;
const scroller = el("div", "sc", app);
const olderBtn = el("button", "older", scroller);
olderBtn.type = "button";
olderBtn.hidden = true;
const greeting = el("p", "msg in greet", scroller);
greeting.hidden = true;
const log = el("ol", "log", scroller);
log.setAttribute("role", "log");
log.setAttribute("aria-live", "polite");
const typingLine = el("p", "typ", app);
typingLine.setAttribute("aria-live", "polite");
const form = el("form", "c", app);
const attachBtn = el("button", "att", form);
attachBtn.type = "button";
attachBtn.innerHTML =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z"/></svg>';
const fileInput = el("input", "", form);
fileInput.type = "file";
fileInput.accept = FILE_TYPES;
fileInput.hidden = true;
const input = el("textarea", "", form);
input.rows = 1;
input.maxLength = 16000;
const sendBtn = el("button", "send", form);
sendBtn.type = "submit";
sendBtn.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 20l18-8L3 4v6l12 2-12 2z"/></svg>';

function applyStrings() {
  document.documentElement.lang = t === strings("ru") ? "ru" : "en";
  title.textContent = agentName || t.title;
  closeBtn.setAttribute("aria-label", t.close);
  log.setAttribute("aria-label", t.messages);
  input.setAttribute("aria-label", t.message);
  input.placeholder = t.placeholder;
  sendBtn.setAttribute("aria-label", t.send);
  attachBtn.setAttribute("aria-label", t.attach);
  reconnectBtn.textContent = t.reconnect;
  olderBtn.textContent = t.earlier;
  showState(connState);
  for (const it of bySeq.values()) renderItem(it);
  for (const it of pending) renderItem(it);
}

function showState(s: ConnState) {
  connState = s;
  app.dataset.state = s;
  status.textContent = s === "online" ? "" : s === "disconnected" ? t.disconnected : t[s];
  reconnectBtn.hidden = s !== "disconnected";
}

function showError(text: string) {
  alertBox.textContent = text;
  alertBox.hidden = !text;
}

function nearBottom() {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
}

function scrollDown() {
  scroller.scrollTop = scroller.scrollHeight;
}

function timeOf(m: Message) {
  if (!m.created_at) return "";
  const d = new Date(m.created_at);
  return isNaN(+d) ? "" : d.toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
}

// renderItem draws one message: its author, file, text and time; thumbs on
// the assistant's answers; the email step when the assistant asks for one;
// the send state of the visitor's own. Focus inside it survives a redraw.
function renderItem(it: Item) {
  const { m, li } = it;
  const kind = m.author_kind;
  const focused = document.activeElement && li.contains(document.activeElement) ? document.activeElement.className : "";
  li.className = "msg " + (kind === "visitor" ? "out" : kind === "system" ? "sys" : "in " + kind);
  li.textContent = "";
  if (kind === "agent" || kind === "assistant") author(li, kind, m);
  const file = m.attachment;
  if (file) attachment(li, file);
  if (!file || m.body !== file.name) appendText(el("div", "body", li), m.body);
  const meta = el("span", "meta", li);
  meta.textContent = timeOf(m);
  if (kind === "assistant" && m.id) feedback(it);
  if (asksEmail(it)) emailStep(li);
  if (focused) {
    const again = li.querySelector<HTMLElement>("." + focused.trim().split(/\s+/).join("."));
    if (again) again.focus();
  }
  if (kind !== "visitor" || !it.state) return;
  const st = el("span", "ss " + it.state, meta);
  st.textContent = (meta.textContent ? " · " : "") + t[it.state];
  if (it.state === "failed") {
    if (it.error) el("span", "why", li).textContent = it.error;
    const retry = el("button", "retry", li);
    retry.type = "button";
    retry.textContent = t.retry;
    retry.onclick = () => {
      it.state = "queued";
      it.error = "";
      renderItem(it);
      flush();
    };
  }
}

function author(li: HTMLElement, kind: string, m: Message) {
  const who = el("span", "who", li);
  const avatar = kind === "agent" ? look.agent_avatar : look.assistant_avatar;
  if (avatar && /^https:\/\//.test(avatar)) {
    const img = el("img", "av", who);
    img.src = avatar;
    img.alt = "";
  }
  el("span", "", who).textContent = kind === "agent" ? m.author_name || t.agent : look.assistant_name || t.assistant;
}

// attachment shows an image inline and any other file as a download.
function attachment(li: HTMLElement, a: Attachment) {
  if (a.path.indexOf("/files/") !== 0) return;
  const href = root + a.path;
  if (/^image\/(png|jpeg|gif|webp)$/.test(a.content_type)) {
    const bottom = nearBottom();
    const link = el("a", "img", li);
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener";
    const img = el("img", "", link);
    img.alt = a.name;
    img.onload = () => bottom && scrollDown();
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

// ---- feedback and tickets ----

function feedback(it: Item) {
  const m = it.m;
  const row = el("div", "fb", it.li);
  for (const v of ["up", "down"] as const) {
    const b = el("button", "v " + v, row);
    b.type = "button";
    b.innerHTML = THUMB;
    b.setAttribute("aria-label", v === "up" ? t.helpful : t.unhelpful);
    b.setAttribute("aria-pressed", String(m.feedback === v));
    b.onclick = () => vote(it, m.feedback === v ? "" : v);
  }
  if (m.feedback === "down" && ticketsOn) {
    const offer = el("p", "offer", it.li);
    offer.textContent = t.sorry + " ";
    button("link", t.openTicket, offer).onclick = () => ticketForm(it);
  }
}

// vote shows the vote at once and takes it back if the server refuses it.
function vote(it: Item, v: "" | "up" | "down") {
  const prev = it.m.feedback || "";
  if (!request("feedback", { message_id: it.m.id, feedback: v }, { kind: "feedback", item: it, prev })) return showError(t.offline);
  it.m = { ...it.m, feedback: v };
  renderItem(it);
}

function ticketForm(it: Item) {
  if (ticketFormOpen) return;
  ticketFormOpen = true;
  openTicketForm({
    parent: app,
    t,
    email: visitorEmail,
    subject: questionBefore(it.m.seq!),
    create: (input) =>
      new Promise<TicketResult>((done) => {
        if (!request("ticket.create", { conversation_id: conv, ...input }, { kind: "ticket", done })) done({ error: t.offline });
      }),
    done() {
      ticketFormOpen = false;
      (it.li.querySelector<HTMLElement>(".offer button") || input).focus();
    },
  });
}

// questionBefore is the visitor's last message before seq, as a subject.
function questionBefore(seq: number): string {
  for (let i = seqs.indexOf(seq) - 1; i >= 0; i--) {
    const m = bySeq.get(seqs[i])!.m;
    if (m.author_kind === "visitor" && !m.attachment) return m.body.slice(0, 120);
  }
  return "";
}

// ---- the email step ----

// asksEmail: the newest message asks for the visitor's email, and they
// have not answered yet.
function asksEmail(it: Item) {
  return it.m.prompt === "email" && it.m.seq === lastSeq && !pending.length;
}

function emailStep(li: HTMLElement) {
  const f = el("form", "ask", li);
  f.noValidate = true;
  const box = { input: el("input", "", f), error: el("p", "ferr", f) };
  box.input.type = "email";
  box.input.autocomplete = "email";
  box.input.placeholder = "name@example.com";
  box.input.maxLength = 254;
  box.input.value = visitorEmail;
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
    queue({ author_kind: "visitor", body: v, client_msg_id: uuid() });
  };
}

// redrawAsk redraws the newest message when it may show the email step.
function redrawAsk() {
  const it = bySeq.get(lastSeq);
  if (it && it.m.prompt) renderItem(it);
}

// ---- messages ----

function adopt(id?: number) {
  if (id && !conv) {
    conv = id;
    // Subscribing gives ordered, gap-free delivery from here on.
    request("subscribe", { conversation_id: conv, after_seq: lastSeq });
  }
}

// add shows m once per seq, in seq order. It returns whether m was new.
function add(m: Message, live: boolean): boolean {
  if (!m || typeof m.seq !== "number" || (conv && m.conversation_id && m.conversation_id !== conv)) return false;
  adopt(m.conversation_id);
  if (bySeq.has(m.seq)) return false;
  const bottom = nearBottom();
  let it: Item | undefined;
  const p = m.client_msg_id ? pending.findIndex((x) => x.m.client_msg_id === m.client_msg_id) : -1;
  if (p >= 0) {
    it = pending.splice(p, 1)[0];
    clearTimeout(it.timer);
    it.m = m;
    it.state = "sent";
    it.error = "";
  } else {
    it = { m, li: el("li") };
    if (m.author_kind === "visitor") it.state = "sent";
  }
  bySeq.set(m.seq, it);
  // Insert before the first shown message with a higher seq.
  let i = seqs.length;
  while (i > 0 && seqs[i - 1] > m.seq) i--;
  seqs.splice(i, 0, m.seq);
  const next = i + 1 < seqs.length ? bySeq.get(seqs[i + 1])!.li : pending.length ? pending[0].li : null;
  log.insertBefore(it.li, next);
  const newest = m.seq > lastSeq;
  const before = bySeq.get(lastSeq);
  if (newest) lastSeq = m.seq;
  renderItem(it);
  if (newest && before && before.m.prompt) renderItem(before);
  if (newest && m.prompt && live && isOpen) {
    const ask = it.li.querySelector<HTMLElement>(".ask input");
    if (ask) ask.focus();
  }
  if (!firstSeq || m.seq < firstSeq) firstSeq = m.seq;
  if (live && m.author_kind !== "visitor") {
    toParent({ type: "message", message: m });
    if (m.author_kind === "agent" || m.author_kind === "assistant") typing(m.author_kind, false);
  }
  if (live && (bottom || m.author_kind === "visitor")) scrollDown();
  return true;
}

function submit() {
  const body = input.value.trim();
  if (!body) return;
  input.value = "";
  stopTyping();
  queue({ author_kind: "visitor", body, client_msg_id: uuid() });
}

// queue shows the visitor's message at the end of the thread and sends it
// when it can.
function queue(m: Message, file?: File) {
  const it: Item = { m, li: el("li", "", log), state: "queued", file };
  pending.push(it);
  renderItem(it);
  redrawAsk();
  scrollDown();
  flush();
}

function attach(file: File) {
  showError("");
  if (file.size > MAX_FILE) return showError(t.tooBig);
  queue({ author_kind: "visitor", body: file.name, client_msg_id: uuid() }, file);
}

// flush sends every queued message, in order, once each; a retry reuses the
// client_msg_id, so the server stores it at most once. Files go over HTTP,
// one at a time: what follows a file waits for it, to keep the order.
function flush() {
  if (!conn || !conn.online) return;
  for (const it of pending) {
    if (it.file && it.state === "sending") return;
    if (it.state !== "queued") continue;
    if (it.file) {
      it.state = "sending";
      renderItem(it);
      upload(it);
      return;
    }
    const id = request("send", { conversation_id: conv || undefined, client_msg_id: it.m.client_msg_id, body: it.m.body }, { kind: "send", item: it });
    if (!id) return;
    it.state = "sending";
    it.timer = setTimeout(() => fail(it, ""), ACK_TIMEOUT) as unknown as number;
    renderItem(it);
  }
}

async function upload(it: Item) {
  const body = new FormData();
  body.append("file", it.file!, it.file!.name);
  body.append("client_msg_id", it.m.client_msg_id!);
  if (conv) body.append("conversation_id", String(conv));
  let j: any = {};
  let res: Response | null = null;
  try {
    res = await fetch(root + "/api/v1/sdk/attachments", { method: "POST", headers: { Authorization: "Bearer " + token }, body });
    j = await res.json().catch(() => ({}));
  } catch (e) {
    // the network failed; the retry button sends it again
  }
  if (res && res.ok && j.message) {
    add(j.message, true);
    maybeRead();
  } else {
    if (res && res.status === 401) toParent({ type: "reauth" });
    fail(it, !res ? t.uploadFailed : errorText(t, "upload", httpProblem(res.status, j)));
  }
  flush();
}

function fail(it: Item, error: string) {
  clearTimeout(it.timer);
  if (it.state === "sent") return;
  it.state = "failed";
  it.error = error;
  renderItem(it);
}

function uuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return "c-" + Array.from(b, (x) => (x + 256).toString(16).slice(1)).join("");
}

// ---- protocol ----

function request(type: string, data: object, r?: Req): string {
  const id = conn ? conn.send(type, data) : "";
  if (id) {
    const older = type === "history" && (data as any).before_seq > 0 && loaded;
    requests.set(id, r || (type === "history" ? { kind: "history", older } : { kind: "other" }));
  }
  return id;
}

// dropRequests ends whatever waited for a reply on a socket that is gone.
function dropRequests() {
  for (const r of requests.values()) {
    if (r.kind === "feedback") undoVote(r.item, r.prev);
    else if (r.kind === "ticket") r.done({ error: t.offline });
  }
  requests.clear();
  loadingOlder = false;
}

function undoVote(it: Item, prev: string) {
  it.m = { ...it.m, feedback: prev as Message["feedback"] };
  renderItem(it);
}

function loadRecent(beforeSeq: number) {
  request("history", { conversation_id: conv, before_seq: beforeSeq, limit: PAGE });
}

function onOnline() {
  if (!conv) return flush();
  if (!loaded) loadRecent(0); // subscribes when the page arrives
  else request("subscribe", { conversation_id: conv, after_seq: lastSeq });
  flush();
}

function setUnread(count: number, version: number) {
  if (typeof count !== "number" || version < unreadVersion) return;
  unreadVersion = version;
  toParent({ type: "unread", count });
}

function maybeRead() {
  if (isOpen && conv && lastSeq > readSent && document.visibilityState === "visible" && conn && conn.online) {
    if (request("read", { conversation_id: conv, seq: lastSeq })) readSent = lastSeq;
  }
}

function onFrame(f: Frame) {
  const r = f.id ? requests.get(f.id) : undefined;
  if (f.id) requests.delete(f.id);
  const d = f.data || {};
  switch (f.type) {
    case "subscribed": {
      const c = d.conversation || {};
      setUnread(c.unread, c.version);
      for (const m of d.messages || []) add(m, true);
      if (d.resync) loadRecent(c.last_seq + 1);
      maybeRead();
      break;
    }
    case "history": {
      const older = r && r.kind === "history" && r.older;
      const before = scroller.scrollHeight - scroller.scrollTop;
      const msgs: Message[] = d.messages || [];
      for (const m of msgs) add(m, false);
      if (older) {
        scroller.scrollTop = scroller.scrollHeight - before;
        loadingOlder = false;
      } else {
        scrollDown();
      }
      if (older || !loaded) olderBtn.hidden = msgs.length < PAGE || firstSeq <= 1;
      if (!loaded) {
        loaded = true;
        request("subscribe", { conversation_id: conv, after_seq: lastSeq });
      }
      maybeRead();
      break;
    }
    case "ack":
      add(d.message, true);
      maybeRead();
      break;
    case "message.created":
      add(d, true);
      maybeRead();
      break;
    case "message.updated": {
      const it = d && bySeq.get(d.seq);
      if (it && d.conversation_id === conv) {
        it.m = d;
        renderItem(it);
      }
      break;
    }
    case "feedback.ok":
      if (r && r.kind === "feedback") {
        r.item.m = d.message;
        renderItem(r.item);
      }
      break;
    case "ticket.created":
      if (r && r.kind === "ticket") r.done({ ref: d.ticket.ref });
      break;
    case "unread":
      if (!conv || d.conversation_id === conv) setUnread(d.count, d.version);
      break;
    case "read.ok":
      setUnread(d.unread, d.version);
      break;
    case "typing":
      if (d.author_kind !== "visitor" && (!conv || d.conversation_id === conv)) typing(d.author_kind, !!d.typing, d.status_type);
      break;
    case "resume":
      // Missed messages came already; refresh the rest (the unread count).
      if (conv) request("subscribe", { conversation_id: conv, after_seq: lastSeq });
      break;
    case "resync":
      if (d.conversation_id === conv) loadRecent(d.last_seq + 1);
      break;
    case "error": {
      // The visitor's language, from the stable code and reason (errors.ts).
      if (r && r.kind === "send") fail(r.item, errorText(t, "send", d));
      else if (r && r.kind === "feedback") {
        undoVote(r.item, r.prev);
        showError(errorText(t, "vote", d));
      } else if (r && r.kind === "ticket") r.done({ error: errorText(t, "ticket", d) });
      else if (r && r.kind === "history" && r.older) loadingOlder = false;
      else if (r) showError(errorText(t, "load", d));
      else console.warn("[parley]", d.code, d.reason || "", d.message || ""); // a frame without reply (typing)
    }
  }
}

// ---- typing ----

let typingHide = 0;
function typing(kind: string, on: boolean, status?: string) {
  clearTimeout(typingHide);
  typingLine.textContent = !on ? "" : status === "ANALYZING" ? t.analyzing : kind === "assistant" ? t.typingAssistant : t.typingAgent;
  if (on) typingHide = setTimeout(() => (typingLine.textContent = ""), TYPING_SHOWN) as unknown as number;
}

let typingSentAt = 0;
let typingIdle = 0;
function userTyping() {
  if (!conv || !conn) return;
  clearTimeout(typingIdle);
  typingIdle = setTimeout(stopTyping, TYPING_IDLE) as unknown as number;
  if (Date.now() - typingSentAt > TYPING_EVERY) {
    typingSentAt = Date.now();
    conn.notify("typing", { conversation_id: conv, typing: true });
  }
}

function stopTyping() {
  clearTimeout(typingIdle);
  if (typingSentAt && conn && conv) conn.notify("typing", { conversation_id: conv, typing: false });
  typingSentAt = 0;
}

// ---- the loader ----

function toParent(m: FromFrame) {
  if (parentOrigin) parent.postMessage({ parley: 1, ...m }, parentOrigin);
}

function setOpen(open: boolean) {
  isOpen = open;
  if (open) {
    input.focus();
    maybeRead();
  } else stopTyping();
}

function init(m: Extract<ToFrame, { type: "init" }>) {
  const a: Appearance = m.appearance || {};
  if (/^#[0-9a-f]{6}$/i.test(a.color || "")) document.documentElement.style.setProperty("--c", a.color!);
  t = strings(m.locale);
  agentName = m.name || "";
  token = m.token;
  visitorEmail = m.email || "";
  ticketsOn = !!m.tickets;
  look = a;
  if (a.greeting) {
    greeting.hidden = false;
    appendText(greeting, a.greeting);
  }
  const c: VisitorConversation | null = m.conversation;
  if (c && c.id) {
    conv = c.id;
    setUnread(c.unread, -1);
  } else loaded = true; // nothing to load yet
  applyStrings();
  conn = new Conn(wsURL, m.token, {
    state(s) {
      showState(s);
      if (s === "online") {
        showError("");
        onOnline();
      } else {
        // Whatever was in flight is sent again, with the same ids.
        for (const it of pending) {
          if (it.state !== "sending" || it.file) continue; // an upload ends by itself
          clearTimeout(it.timer);
          it.state = "queued";
          renderItem(it);
        }
        dropRequests();
      }
    },
    frame: onFrame,
    unauthorized() {
      toParent({ type: "reauth" });
    },
  });
}

addEventListener("message", (e: MessageEvent) => {
  const m = e.data as ToFrame & { parley?: number };
  if (e.source !== parent || !m || m.parley !== 1 || origins.indexOf(e.origin) < 0) return;
  if (!parentOrigin) {
    // The first word must be init, from the origin it names.
    if (m.type !== "init" || m.parentOrigin !== e.origin) return;
    parentOrigin = e.origin;
    return init(m);
  }
  if (e.origin !== parentOrigin) return;
  switch (m.type) {
    case "open":
      return setOpen(true);
    case "close":
      return setOpen(false);
    case "token":
      token = m.token;
      visitorEmail = m.email || visitorEmail;
      return conn && conn.setToken(m.token);
    case "locale":
      t = strings(m.locale);
      return applyStrings();
    case "prefill":
      input.value = m.text;
      input.focus();
  }
});

// ---- events ----

form.addEventListener("submit", (e) => {
  e.preventDefault();
  submit();
});
input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    submit();
  }
});
input.addEventListener("input", userTyping);
input.addEventListener("paste", (e) => {
  const files = e.clipboardData ? Array.from(e.clipboardData.files) : [];
  if (files.length) {
    e.preventDefault();
    files.forEach(attach);
  }
});
attachBtn.onclick = () => fileInput.click();
fileInput.onchange = () => {
  Array.from(fileInput.files || []).forEach(attach);
  fileInput.value = "";
};
closeBtn.onclick = () => toParent({ type: "close" });
reconnectBtn.onclick = () => conn && conn.retry();
olderBtn.onclick = () => {
  if (!loadingOlder && conv && firstSeq > 1) loadingOlder = !!request("history", { conversation_id: conv, before_seq: firstSeq, limit: PAGE });
};
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") toParent({ type: "close" });
});
document.addEventListener("visibilitychange", maybeRead);

applyStrings();
// Tell the parent the frame is ready. Its origin is not known for sure
// yet: ask the browser (ancestorOrigins, else the referrer) and, when it
// cannot tell, post to each allowed origin; "ready" carries nothing secret.
function parentCandidates(): string[] {
  const ao = (location as any).ancestorOrigins as DOMStringList | undefined;
  let guess = ao && ao.length ? ao[0] : "";
  if (!guess && document.referrer) {
    try {
      guess = new URL(document.referrer).origin;
    } catch (e) {
      // no usable referrer
    }
  }
  return origins.indexOf(guess) >= 0 ? [guess] : origins;
}
for (const o of parentCandidates()) parent.postMessage({ parley: 1, type: "ready" }, o);
