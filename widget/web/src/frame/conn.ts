// Conn is the visitor's websocket (docs/protocol.md, version 1): it
// authenticates with the visitor token, reconnects with jittered
// exponential backoff, and hands every frame after auth.ok to its owner.
// When the site's chat is closed to the visitor (close 4003: paused,
// removed, locked by the plan, verified-only, origin no longer allowed) it
// does not spin: it tries again within a minute, doubling up to 15 minutes,
// at once when the page becomes visible or the network returns, and when
// the visitor asks (retry).

export interface Frame {
  type: string;
  id?: string;
  data?: any;
}

export type ConnState = "connecting" | "online" | "reconnecting" | "disconnected" | "closed";

export interface ConnHandlers {
  /** state reports the connection's state; "online" means authenticated. */
  state(s: ConnState): void;
  /** frame receives every frame after auth.ok, replies and events alike. */
  frame(f: Frame): void;
  /** unauthorized: the token was refused; call setToken with a new one. */
  unauthorized(): void;
  /** closed: the chat is closed to the visitor, for reason (the gate's, before state "closed"). */
  closed(reason: string): void;
}

const MIN_DELAY = 500;
const MAX_DELAY = 30000;
/** CLOSED is the server's close code for a chat closed to the visitor (realtime.CloseChatUnavailable). */
const CLOSED = 4003;
const CLOSED_DELAY = 60000;
const CLOSED_MAX = 900000;

export class Conn {
  private ws: WebSocket | null = null;
  private n = 0;
  private attempt = 0;
  /** shut counts the tries since the chat closed; 0 while it is open. */
  private shut = 0;
  private timer = 0;
  private authID = "";
  private waitingToken = false;
  private stopped = false;

  constructor(
    private url: string,
    private token: string,
    private h: ConnHandlers,
  ) {
    addEventListener("online", () => this.now());
    document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && this.now());
    this.connect();
  }

  /** online reports whether the socket is authenticated. */
  online = false;

  /** send sends a request frame and returns its id, or "" when offline. */
  send(type: string, data: object): string {
    if (!this.online || !this.ws) return "";
    const id = "r" + ++this.n;
    this.ws.send(JSON.stringify({ type, id, data }));
    return id;
  }

  /** notify sends a frame without id (typing), if online. */
  notify(type: string, data: object): void {
    if (this.online && this.ws) this.ws.send(JSON.stringify({ type, data }));
  }

  /** setToken replaces the token; a new socket authenticates with it. */
  setToken(token: string): void {
    if (token === this.token && !this.waitingToken) return;
    this.token = token;
    this.waitingToken = false;
    // A connection cannot change identity: open a new one.
    this.drop();
    this.connect();
  }

  /** now reconnects at once when waiting to reconnect. */
  now(): void {
    if (this.timer && !this.stopped) {
      clearTimeout(this.timer);
      this.timer = 0;
      this.connect();
    }
  }

  /** retry reconnects after the server gave up on this client (1008) or the chat closed (4003). */
  retry(): void {
    this.stopped = false;
    this.attempt = 0;
    this.drop();
    this.connect();
  }

  private drop() {
    clearTimeout(this.timer);
    this.timer = 0;
    if (this.ws) {
      this.ws.onclose = this.ws.onmessage = null;
      this.ws.close(1000);
      this.ws = null;
    }
    this.online = false;
  }

  private connect() {
    this.timer = 0;
    if (!this.shut) this.h.state(this.attempt ? "reconnecting" : "connecting");
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      console.error("[parley]", e);
      return this.later();
    }
    this.ws = ws;
    ws.onmessage = (ev) => {
      let f: Frame;
      try {
        f = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      this.onFrame(f);
    };
    ws.onclose = (ev) => {
      this.ws = null;
      this.online = false;
      if (ev.code === CLOSED) {
        // The chat is closed to this visitor: say so, try again much later.
        this.h.closed(ev.reason);
        this.h.state("closed");
        const max = Math.min(CLOSED_MAX, CLOSED_DELAY * 2 ** this.shut++);
        this.timer = setTimeout(() => this.connect(), max / 2 + (Math.random() * max) / 2) as unknown as number;
        return;
      }
      if (ev.code === 1008 || this.waitingToken) {
        // Refused for good (no auth in time, or flooding), or waiting for
        // a token: reconnect only on the user's or the loader's word.
        this.stopped = ev.code === 1008;
        this.h.state("disconnected");
        return;
      }
      // 1001: the node is going away; another one takes over at once.
      if (ev.code === 1001) this.attempt = 0;
      this.later();
    };
  }

  private later() {
    const max = Math.min(MAX_DELAY, MIN_DELAY * 2 ** this.attempt++);
    this.h.state("reconnecting");
    this.timer = setTimeout(() => this.connect(), max / 2 + (Math.random() * max) / 2) as unknown as number;
  }

  private onFrame(f: Frame) {
    if (f.type === "hello") {
      this.authID = "a" + ++this.n;
      this.ws!.send(JSON.stringify({ type: "auth", id: this.authID, data: { token: this.token } }));
      return;
    }
    if (f.id && f.id === this.authID) {
      if (f.type === "auth.ok") {
        this.attempt = this.shut = 0;
        this.online = true;
        this.h.state("online");
      } else if (f.data && f.data.code === "unauthorized" && f.data.reason !== "verified_only") {
        // (verified_only: a new token would be refused too; the 4003 close follows.)
        this.waitingToken = true;
        this.h.unauthorized();
        this.ws && this.ws.close(1000);
      }
      return;
    }
    if (this.online) this.h.frame(f);
  }
}
