// The chat frame: the page /widget/frame serves on the hub's origin, inside
// the iframe the loader draws. It waits for the loader's init message (from
// one of the site's allowed origins, checked against the list the server
// put into the page), then runs the chat (app.ts), which speaks protocol v1
// over the visitor websocket. This file is the handshake with the loader
// and nothing else.
import type { FromFrame, ToFrame } from "../types";
import { App } from "./app";

const root = document.getElementById("app")!;
const site = root.dataset.site || "";
const origins = (root.dataset.origins || "").split(" ").filter(Boolean);
// The hub's root path: the frame is served at <base>/widget/frame.
const base = location.pathname.replace(/\/widget\/frame$/, "");
const wsURL =
  root.dataset.ws ||
  (location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host + "/ws/visitor?site=" + encodeURIComponent(site);

// The loader's origin, once its init named it, and the chat it started.
const loader = { origin: "", chat: null as App | null };

function toParent(m: FromFrame) {
  if (loader.origin) parent.postMessage({ parley: 1, ...m }, loader.origin);
}

addEventListener("message", (e: MessageEvent) => {
  const m = e.data as ToFrame & { parley?: number };
  if (e.source !== parent || !m || m.parley !== 1 || origins.indexOf(e.origin) < 0) return;
  if (!loader.chat) {
    // The first word must be init, from the origin it names.
    if (m.type !== "init" || m.parentOrigin !== e.origin) return;
    loader.origin = e.origin;
    loader.chat = new App(root, wsURL, base, m, toParent);
    return;
  }
  if (e.origin !== loader.origin) return;
  const chat = loader.chat;
  switch (m.type) {
    case "open":
      return chat.setOpen(true);
    case "close":
      return chat.setOpen(false);
    case "token":
      return chat.setToken(m.token, m.email);
    case "locale":
      return chat.setLocale(m.locale);
    case "prefill":
      return chat.prefill(m.text);
  }
});

document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") toParent({ type: "close" });
});

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
