// The chat frame: the page /widget/frame serves on the hub's origin, inside
// the iframe the loader draws. It waits for the loader's init message (from
// one of the site's allowed origins, checked against the list the server
// put into the page), then speaks protocol v1 over the visitor websocket.
//
// Extension points left for later: attachments (composer), feedback on
// assistant messages and the downvote ticket form (renderItem), the email
// capture step (renderItem, by status_type).
import type { Appearance, FromFrame, Message, ToFrame, VisitConversation } from "../types";
import { Conn, ConnState, Frame } from "./conn";
import { strings, Strings } from "./i18n";
import { appendText } from "./linkify";

type SendState = "queued" | "sending" | "sent" | "failed";

interface Item {
  m: Message;
  li: HTMLLIElement;
  state?: SendState;
  error?: string;
  timer?: number;
}

const ACK_TIMEOUT = 20000;
const TYPING_EVERY = 3000;
const TYPING_IDLE = 4000;
const TYPING_SHOWN = 10000;
const PAGE = 50;

const app = document.getElementById("app")!;
const site = app.dataset.site || "";
const origins = (app.dataset.origins || "").split(" ").filter(Boolean);
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

const bySeq = new Map<number, Item>();
const seqs: number[] = []; // shown seqs, ascending
const pending: Item[] = []; // own messages without a seq yet, in order
const requests = new Map<string, { kind: "send"; item: Item } | { kind: "history"; older: boolean } | { kind: "other" }>();

// ---- DOM ----

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, parent?: Node): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (parent) parent.appendChild(e);
  return e;
}

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

// renderItem draws one message. Feedback buttons on assistant messages and
// the email-capture step (by status_type) will hang off here.
function renderItem(it: Item) {
  const { m, li } = it;
  const kind = m.author_kind;
  li.className = "msg " + (kind === "visitor" ? "out" : kind === "system" ? "sys" : "in " + kind);
  li.textContent = "";
  if (kind === "agent" || kind === "assistant") el("span", "who", li).textContent = kind === "agent" ? t.agent : t.assistant;
  appendText(el("div", "body", li), m.body);
  const meta = el("span", "meta", li);
  meta.textContent = timeOf(m);
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

// ---- messages ----

function remember() {
  try {
    sessionStorage.setItem("parley:" + site + ":seq:" + conv, String(lastSeq));
  } catch (e) {
    // storage blocked: memory is enough within this frame
  }
}

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
  renderItem(it);
  if (m.seq > lastSeq) {
    lastSeq = m.seq;
    remember();
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
  const it: Item = { m: { author_kind: "visitor", body, client_msg_id: uuid() }, li: el("li", "", log), state: "queued" };
  pending.push(it);
  renderItem(it);
  scrollDown();
  flush();
}

// flush sends every queued message, in order, once each; a retry reuses the
// client_msg_id, so the server stores it at most once.
function flush() {
  if (!conn || !conn.online) return;
  for (const it of pending) {
    if (it.state !== "queued") continue;
    const id = request("send", { conversation_id: conv || undefined, client_msg_id: it.m.client_msg_id, body: it.m.body }, it);
    if (!id) return;
    it.state = "sending";
    it.timer = setTimeout(() => fail(it, ""), ACK_TIMEOUT) as unknown as number;
    renderItem(it);
  }
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

function request(type: string, data: object, item?: Item): string {
  const id = conn ? conn.send(type, data) : "";
  if (id) {
    const older = type === "history" && (data as any).before_seq > 0 && loaded;
    requests.set(id, item ? { kind: "send", item } : type === "history" ? { kind: "history", older } : { kind: "other" });
  }
  return id;
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

function errorText(code: string, message: string): string {
  switch (code) {
    case "rate_limited":
      return t.rateLimited;
    case "unavailable":
    case "internal":
      return t.unavailable;
    case "forbidden":
      return t.forbidden;
    case "not_found":
      return t.notFound;
    case "invalid":
      return message || t.error;
  }
  return t.error;
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
    case "unread":
      if (!conv || d.conversation_id === conv) setUnread(d.count, d.version);
      break;
    case "read.ok":
      setUnread(d.unread, d.version);
      break;
    case "typing":
      if (d.author_kind !== "visitor" && (!conv || d.conversation_id === conv)) typing(d.author_kind, !!d.typing);
      break;
    case "resume":
      // Missed messages came already; refresh the rest (the unread count).
      if (conv) request("subscribe", { conversation_id: conv, after_seq: lastSeq });
      break;
    case "resync":
      if (d.conversation_id === conv) loadRecent(d.last_seq + 1);
      break;
    case "error": {
      const text = errorText(d.code, d.message);
      if (r && r.kind === "send") fail(r.item, text);
      else if (r && r.kind === "history" && r.older) loadingOlder = false;
      else showError(text);
    }
  }
}

// ---- typing ----

let typingHide = 0;
function typing(kind: string, on: boolean) {
  clearTimeout(typingHide);
  typingLine.textContent = on ? (kind === "assistant" ? t.typingAssistant : t.typingAgent) : "";
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
  if (a.greeting) {
    greeting.hidden = false;
    appendText(greeting, a.greeting);
  }
  const c: VisitConversation | null = m.conversation;
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
          if (it.state !== "sending") continue;
          clearTimeout(it.timer);
          it.state = "queued";
          renderItem(it);
        }
        requests.clear();
        loadingOlder = false;
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
