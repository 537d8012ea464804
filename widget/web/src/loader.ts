// The Parley loader, served as /widget.js and loaded by the snippet on the
// customer's page. It must never break that page: it defines no global but
// window.Parley, keeps its DOM in a closed shadow root, and catches every
// error (reported with console.warn/console.error, never thrown).
//
// It fetches the site's chat config, starts the visit, draws the launcher
// and owns the chat iframe (served from the hub's origin), talking to it by
// postMessage with strict origin and source checks. The size budget is
// 4 KiB gzipped (widget/assets_test.go): keep it small.
import type { Appearance, ChatConfig, FromFrame, Message, ToFrame, VisitorConversation } from "./types";

interface Identity {
  externalId?: string;
  email?: string;
  name?: string;
  traits?: Record<string, unknown>;
  userHash?: string;
  token?: string;
}

interface Visit {
  visitor_id: number;
  anonymous_id: string;
  token: string;
  verified?: boolean;
  email?: string;
  conversation?: VisitorConversation | null;
}

type Handler = (arg?: unknown) => void;

const TAG = "[parley]";
const w = window as any;
const d = document;
const warn = (...a: unknown[]) => console.warn(TAG, ...a);
const fail = (e: unknown) => console.error(TAG, e);

// Launcher labels: open, close, unread.
const TEXT: Record<string, string[]> = {
  en: ["Open chat", "Close chat", "unread"],
  ru: ["Открыть чат", "Закрыть чат", "непрочитанных"],
};

const CSS =
  ":host{all:initial}" +
  ".l{position:fixed;bottom:20px;right:20px;z-index:2147483000;display:flex;align-items:center;gap:8px;height:56px;min-width:56px;padding:0 16px;border:0;border-radius:28px;color:#fff;font:600 15px/1 system-ui,sans-serif;cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.25);transition:transform .15s}" +
  ".l:hover{transform:scale(1.05)}" +
  ".l:focus-visible{outline:3px solid #fff;box-shadow:0 0 0 6px #111}" +
  ".l svg{width:24px;height:24px;fill:currentColor;flex:none}" +
  ".b{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;box-sizing:border-box;border-radius:10px;background:#d93025;color:#fff;font:700 12px/20px system-ui,sans-serif;text-align:center}" +
  ".p{position:fixed;bottom:88px;right:20px;z-index:2147483000;width:380px;height:min(640px,calc(100vh - 108px));border:0;border-radius:12px;box-shadow:0 8px 32px rgba(0,0,0,.3);background:#fff;color-scheme:normal}" +
  ".L .l,.L .p{right:auto;left:20px}" +
  "[hidden]{display:none!important}" +
  "@media(max-width:480px){.p,.L .p{inset:0;width:100%;height:100%;border-radius:0}}" +
  "@media(prefers-reduced-motion:reduce){.l{transition:none}.l:hover{transform:none}}";

const ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg>';

// The hub is wherever this script came from.
const me = (d.currentScript || d.querySelector('script[src*="/widget.js"]')) as HTMLScriptElement | null;
const src = me ? me.src : "";
const base = src.replace(/\/widget\.js([?#].*)?$/, "");
const hub = src ? new URL(src).origin : "";

let site = "";
let cfg: ChatConfig | null = null;
let visit: Visit | null = null;
let identity: Identity | null = null;
let locale = "";
let host: HTMLElement | null = null;
let btn: HTMLButtonElement | null = null;
let badge: HTMLElement | null = null;
let frame: HTMLIFrameElement | null = null;
let ready = false;
let isOpen = false;
let unread = 0;
let prefill = "";
let lastURL = "";
let lastReauth = 0;
const handlers: Record<string, Handler[]> = {};

const anonKey = () => "parley:" + site + ":anon";

function storage(op: (s: Storage) => string | null | void): string | null | void {
  try {
    return op(localStorage);
  } catch (e) {
    return null; // storage blocked: the visit is anonymous for this page only
  }
}

function lang(): string {
  const l = (locale || (cfg && cfg.locale) || navigator.language || "").toLowerCase();
  return l.indexOf("ru") === 0 ? "ru" : "en";
}

function emit(ev: string, arg?: unknown) {
  for (const f of handlers[ev] || []) {
    try {
      f(arg);
    } catch (e) {
      fail(e);
    }
  }
}

async function api(path: string, body?: unknown, token?: string): Promise<[number, any]> {
  const headers: Record<string, string> = {};
  if (body) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = "Bearer " + token;
  const r = await fetch(base + path, {
    method: body ? "POST" : "GET",
    headers,
    body: body ? JSON.stringify(body) : undefined,
    credentials: "omit",
  });
  let j: any = {};
  try {
    j = await r.json();
  } catch (e) {
    // not JSON: the status says enough
  }
  return [r.status, j || {}];
}

function post(m: ToFrame) {
  if (frame && ready && frame.contentWindow) frame.contentWindow.postMessage({ parley: 1, ...m }, hub);
}

// start begins (or, after identify, restarts) the visit.
async function start() {
  const key = site;
  const id = identity;
  const [status, j] = await api("/api/v1/sdk/visitors", {
    site: key,
    anonymous_id: storage((s) => s.getItem(anonKey())) || undefined,
    locale: navigator.language,
    page: location.href,
    tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
    identity: id
      ? {
          external_id: id.externalId,
          email: id.email,
          name: id.name,
          traits: id.traits,
          user_hash: id.userHash,
          token: id.token,
        }
      : undefined,
  });
  if (site !== key) return; // shut down meanwhile
  if (status !== 200) {
    return warn("the chat cannot start (" + (j.reason || j.code || status) + "): " + (j.detail || ""));
  }
  const v = j as Visit;
  const before = visit;
  visit = v;
  lastURL = location.href;
  storage((s) => s.setItem(anonKey(), v.anonymous_id));
  draw();
  if (frame && before && before.visitor_id !== v.visitor_id) {
    // Another visitor now: its frame starts afresh.
    frame.remove();
    frame = null;
    ready = false;
  }
  post({ type: "token", token: v.token, email: v.email || "" });
  // A running frame counts the unread replies of all the visitor's
  // conversations; the visit knows only the newest one's.
  if (!ready) setUnread(v.conversation ? v.conversation.unread : 0);
  if (!frame && (v.conversation || isOpen)) makeFrame();
}

function draw() {
  if (host) return;
  const a = (cfg && cfg.appearance) || ({} as Appearance);
  host = d.createElement("parley-widget");
  const root = host.attachShadow({ mode: "closed" });
  const style = d.createElement("style");
  style.textContent = CSS;
  root.appendChild(style);
  const box = d.createElement("div");
  if (a.position === "left") box.className = "L";
  btn = d.createElement("button");
  btn.className = "l";
  btn.type = "button";
  btn.style.background = /^#[0-9a-f]{6}$/i.test(a.color || "") ? a.color! : "#2563eb";
  btn.innerHTML = ICON;
  if (a.launcher_label) btn.appendChild(d.createElement("span")).textContent = a.launcher_label;
  badge = btn.appendChild(d.createElement("span"));
  badge.className = "b";
  badge.setAttribute("aria-hidden", "true");
  btn.onclick = () => (isOpen ? close() : open());
  box.appendChild(btn);
  root.appendChild(box);
  d.body.appendChild(host);
  label();
}

function label() {
  if (!btn || !badge) return;
  const t = TEXT[lang()];
  btn.setAttribute("aria-label", t[isOpen ? 1 : 0] + (unread ? ", " + unread + " " + t[2] : ""));
  btn.setAttribute("aria-expanded", String(isOpen));
  badge.textContent = unread > 99 ? "99+" : String(unread);
  badge.hidden = !unread;
}

function setUnread(n: number) {
  if (n === unread) return;
  unread = n;
  label();
  emit("unread", n);
}

function makeFrame() {
  if (!btn) return;
  frame = d.createElement("iframe");
  frame.className = "p";
  frame.title = "Chat";
  frame.hidden = !isOpen;
  frame.src = base + "/widget/frame?site=" + encodeURIComponent(site);
  btn.parentNode!.appendChild(frame);
}

function onMessage(e: MessageEvent) {
  const m = e.data as FromFrame & { parley?: number };
  if (!frame || !visit || !cfg || e.origin !== hub || e.source !== frame.contentWindow || !m || m.parley !== 1) return;
  switch (m.type) {
    case "ready":
      ready = true;
      post({
        type: "init",
        token: visit.token,
        visitorId: visit.visitor_id,
        conversation: visit.conversation || null,
        locale: lang(),
        appearance: cfg.appearance || {},
        parentOrigin: location.origin,
        name: cfg.name,
        email: visit.email || "",
        tickets: cfg.tickets_enabled,
      });
      if (isOpen) post({ type: "open" });
      if (prefill) post({ type: "prefill", text: prefill });
      prefill = "";
      break;
    case "unread":
      setUnread(+m.count || 0);
      break;
    case "message":
      emit("message", m.message as Message);
      break;
    case "close":
      close();
      btn && btn.focus();
      break;
    case "reauth":
      // The frame's token was refused (expired): a new visit gives a new one,
      // at most once a minute so a broken server is not hammered.
      if (Date.now() - lastReauth > 60000) {
        lastReauth = Date.now();
        start().catch(fail);
      }
  }
}

function open() {
  if (!visit) return warn("the chat has not started; see the warnings above");
  if (!frame) makeFrame();
  if (!frame || isOpen) return;
  isOpen = true;
  frame.hidden = false;
  frame.focus();
  post({ type: "open" });
  label();
  emit("open");
}

function close() {
  if (!isOpen || !frame) return;
  isOpen = false;
  // Focus inside the frame would be lost with it: give it to the launcher.
  if (d.activeElement === host && btn) btn.focus();
  frame.hidden = true;
  post({ type: "close" });
  label();
  emit("close");
}

async function trackPage() {
  if (!visit) return;
  lastURL = location.href;
  const [status, j] = await api("/api/v1/sdk/page", { url: location.href, title: d.title }, visit.token);
  if (status !== 200 && status !== 204) warn("trackPage failed (" + (j.code || status) + "): " + (j.detail || ""));
}

// autoTrack reports a navigation of a single-page app once per URL, after
// the page had a chance to update its title.
function autoTrack() {
  setTimeout(() => {
    if (visit && location.href !== lastURL) trackPage().catch(fail);
  }, 0);
}

const commands: Record<string, (...a: any[]) => unknown> = {
  async boot(o: { site?: string } = {}) {
    if (site) return warn("boot: already booted; call Parley('shutdown') first");
    const key = o.site || (me && me.dataset.site) || "";
    if (!key) return warn("boot: pass the site key, Parley('boot', {site: 'site_…'})");
    site = key;
    const [status, j] = await api("/api/v1/sdk/chat/config?site=" + encodeURIComponent(key));
    if (site !== key) return;
    if (status !== 200) {
      site = "";
      // The server names the reason and the fix (hub.Gate.Fix, 004).
      return warn("the chat is off (" + (j.reason || status) + "): " + (j.detail || ""));
    }
    cfg = j;
    if (cfg!.verified_only && !identity) {
      // Warn only if no identify follows among the calls already made.
      chain.then(() => identity || warn("this site accepts verified visitors only: the chat starts after Parley('identify', {externalId, userHash})"));
      return;
    }
    await start();
  },
  shutdown() {
    if (site) storage((s) => s.removeItem(anonKey()));
    if (host) host.remove();
    site = prefill = "";
    cfg = visit = identity = null;
    host = btn = badge = frame = null;
    ready = isOpen = false;
    unread = 0;
  },
  open,
  close,
  toggle: () => (isOpen ? close() : open()),
  async identify(id: Identity) {
    identity = id || null;
    if (cfg) await start();
  },
  setLocale(l: string) {
    locale = l || "";
    label();
    post({ type: "locale", locale: lang() });
  },
  trackPage,
  showNewMessage(text?: string) {
    prefill = String(text || "");
    open();
    if (ready && prefill) {
      post({ type: "prefill", text: prefill });
      prefill = "";
    }
  },
  off(ev: string, fn: Handler) {
    handlers[ev] = (handlers[ev] || []).filter((f) => f !== fn);
  },
};

// Commands run one after another, each after the previous one finished
// (boot's network calls included), so the snippet's queue keeps its order.
let chain: Promise<unknown> = Promise.resolve();

function Parley(cmd: string, ...args: any[]) {
  try {
    if (cmd === "on") {
      // Registered at once, so no event of a running command is missed.
      if (typeof args[1] === "function") (handlers[args[0]] = handlers[args[0]] || []).push(args[1]);
      return;
    }
    const f = commands[cmd];
    if (!f) return warn("unknown command " + cmd);
    chain = chain.then(() => f(...args)).catch(fail);
  } catch (e) {
    fail(e);
  }
}

try {
  if (!(w.Parley && w.Parley.loaded)) {
    if (!hub) throw new Error("cannot tell where widget.js was loaded from");
    const queue: ArrayLike<unknown>[] = (w.Parley && w.Parley.q) || [];
    (Parley as any).loaded = 1;
    w.Parley = Parley;
    addEventListener("message", (e) => {
      try {
        onMessage(e);
      } catch (err) {
        fail(err);
      }
    });
    // Single-page apps navigate without loading a page: follow them.
    for (const k of ["pushState", "replaceState"] as const) {
      const orig = history[k];
      history[k] = function (this: History, ...a: any[]) {
        const r = orig.apply(this, a as any);
        autoTrack();
        return r;
      } as any;
    }
    addEventListener("popstate", autoTrack);
    addEventListener("hashchange", autoTrack);
    for (const a of queue) Parley.apply(null, Array.prototype.slice.call(a) as [string]);
  }
} catch (e) {
  fail(e);
}
