// The dashboard's websockets (docs/protocol.md): authenticated by the
// session cookie at the handshake, reconnecting with jittered backoff,
// resuming subscriptions with after_seq, and telling the app when it has
// caught up. Two of them: the agent's (/ws/agent, with ?tenant_id= while
// staff view a workspace) and the Support section's (/ws/support, which
// speaks the visitor side of the protocol).
import { workspaceId } from "./api";
import { Store } from "./store";

export interface Frame {
  type: string;
  id?: string;
  data?: any;
}

/**
 * The connection's state. "online" is authenticated and caught up;
 * "syncing" is authenticated but still reloading what was missed.
 */
export type LiveState = "connecting" | "online" | "syncing" | "offline" | "unauthorized";

type Pending = { resolve: (f: Frame) => void; reject: (e: LiveError) => void; timer: number };

export class LiveError extends Error {
  constructor(
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

const MIN_DELAY = 500;
const MAX_DELAY = 30000;
const REQUEST_TIMEOUT = 15000;

/** Subscription is what the app keeps per conversation it shows. */
export interface Subscription {
  conversationId: number;
  /** lastSeq is the highest seq the view has; resubscribing asks for later ones. */
  lastSeq(): number;
  /** subscribed receives the reply of each (re)subscribe. */
  subscribed(data: any): void;
}

export class Live {
  /**
   * url gives the socket's path (read at each connection); agent sockets
   * ask for presence after a reconnection, the visitor side has none.
   */
  constructor(
    private url: () => string,
    private agent = true,
  ) {}

  state = new Store<LiveState>("connecting");
  /** everOnline tells a first connection from a reconnection. */
  everOnline = false;
  memberId = 0;

  private ws: WebSocket | null = null;
  private n = 0;
  private attempt = 0;
  private timer = 0;
  private stopped = true;
  private pending = new Map<string, Pending>();
  private listeners = new Map<string, Set<(data: any, f: Frame) => void>>();
  private subs = new Map<number, Set<Subscription>>();
  /** sessionCheck tells whether the session still holds (after a 4001 close). */
  sessionCheck: () => Promise<boolean> = async () => true;
  /** resyncers refresh lists after a reconnect or a resume frame. */
  private resyncers = new Set<() => Promise<unknown>>();

  private listening = false;

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (!this.listening) {
      this.listening = true;
      addEventListener("online", () => this.now());
      document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && this.now());
    }
    this.connect();
  }

  /** stop closes the socket for good (signing out); start opens a new one. */
  stop(): void {
    this.stopped = true;
    this.everOnline = false;
    this.state.set("connecting");
    clearTimeout(this.timer);
    if (this.ws) {
      this.ws.onclose = this.ws.onmessage = null;
      this.ws.close(1000);
      this.ws = null;
    }
    this.authed = false;
    this.failPending("offline");
  }

  /** on listens to events (and replies) of a type; it returns the off switch. */
  on(type: string, fn: (data: any, f: Frame) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(fn);
    return () => set!.delete(fn);
  }

  /** onResync registers a refresh run after reconnects and resume frames. */
  onResync(fn: () => Promise<unknown>): () => void {
    this.resyncers.add(fn);
    return () => this.resyncers.delete(fn);
  }

  /** authed: the current socket is authenticated. */
  private authed = false;

  get online(): boolean {
    return this.authed && !!this.ws;
  }

  /** request sends a frame and resolves with its reply (rejects on error frames). */
  request(type: string, data: object): Promise<Frame> {
    return new Promise((resolve, reject) => {
      if (!this.online || !this.ws) return reject(new LiveError("offline", "not connected"));
      const id = "r" + ++this.n;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new LiveError("timeout", "no reply"));
      }, REQUEST_TIMEOUT) as unknown as number;
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ type, id, data }));
    });
  }

  /** notify sends a frame without id (typing, viewing), when online. */
  notify(type: string, data: object): void {
    if (this.online && this.ws) this.ws.send(JSON.stringify({ type, data }));
  }

  /** subscribe follows a conversation until the returned function is called. */
  subscribe(sub: Subscription): () => void {
    let set = this.subs.get(sub.conversationId);
    if (!set) this.subs.set(sub.conversationId, (set = new Set()));
    set.add(sub);
    if (this.online) this.subscribeOne(sub).catch(() => {});
    return () => {
      set!.delete(sub);
      if (set!.size === 0) {
        this.subs.delete(sub.conversationId);
        if (this.online) this.request("unsubscribe", { conversation_id: sub.conversationId }).catch(() => {});
      }
    };
  }

  private async subscribeOne(sub: Subscription): Promise<void> {
    const f = await this.request("subscribe", { conversation_id: sub.conversationId, after_seq: sub.lastSeq() });
    sub.subscribed(f.data);
  }

  /** retry reconnects at once when not connected (the banner's button). */
  retry(): void {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.attempt = 0;
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

  private connect(): void {
    this.timer = 0;
    if (this.stopped) return;
    if (!this.everOnline) this.state.set("connecting");
    let ws: WebSocket;
    try {
      ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + this.url());
    } catch (e) {
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
      if (this.ws !== ws) return;
      this.ws = null;
      this.authed = false;
      this.failPending("offline");
      if (this.stopped) return;
      if (ev.code === 1008) {
        // Refused for good: reconnect only when the user acts (reload).
        this.state.set("offline");
        return;
      }
      if (ev.code === 4001) {
        // The session ended or the role changed: the app checks the
        // session (signing out on 401), then we reconnect at once.
        this.state.set("offline");
        this.sessionCheck().then((ok) => {
          if (!ok || this.stopped) return;
          this.attempt = 0;
          this.connect();
        });
        return;
      }
      if (ev.code === 1001) this.attempt = 0; // another node takes over
      this.later();
    };
  }

  private failPending(code: string) {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new LiveError(code, "connection lost"));
      this.pending.delete(id);
    }
  }

  private later(): void {
    this.state.set("offline");
    const max = Math.min(MAX_DELAY, MIN_DELAY * 2 ** this.attempt++);
    this.timer = setTimeout(() => this.connect(), max / 2 + (Math.random() * max) / 2) as unknown as number;
  }

  private emit(type: string, f: Frame) {
    const set = this.listeners.get(type);
    if (set) for (const fn of Array.from(set)) fn(f.data, f);
  }

  private onFrame(f: Frame): void {
    if (f.id && this.pending.has(f.id)) {
      const p = this.pending.get(f.id)!;
      this.pending.delete(f.id);
      clearTimeout(p.timer);
      if (f.type === "error") p.reject(new LiveError(f.data?.code || "error", f.data?.message || ""));
      else p.resolve(f);
      // Replies are also events for listeners (ack: the sender's message).
      this.emit(f.type, f);
      return;
    }
    switch (f.type) {
      case "hello":
        return;
      case "auth.ok":
        this.memberId = f.data?.id || 0;
        this.attempt = 0;
        this.authed = true;
        this.catchUp();
        return;
      case "error":
        if (!f.id && !this.authed && (f.data?.code === "unauthorized" || f.data?.code === "forbidden")) {
          // The cookie was refused: the session ended, or the member may
          // not have this socket (Support for an agent, a staff view
          // whose access closed).
          this.stopped = true;
          this.ws?.close(1000);
          this.state.set("unauthorized");
        }
        return;
      case "resume":
        this.catchUp();
        break;
    }
    this.emit(f.type, f);
  }

  /**
   * catchUp resubscribes every conversation shown from its last seq and
   * reloads the lists; the state is "online" once all of it has answered.
   */
  private async catchUp(): Promise<void> {
    const first = !this.everOnline;
    this.everOnline = true;
    // Subscriptions go out first, so that what follows "online" (viewing
    // hints) reaches the server after them.
    const jobs: Promise<unknown>[] = [];
    for (const set of this.subs.values()) for (const sub of set) jobs.push(this.subscribeOne(sub));
    // Lists loaded before auth.ok may have missed events: reload them too,
    // and presence (the server sends a list after auth.ok, not after resume).
    for (const r of this.resyncers) jobs.push(r());
    if (!first && this.agent) jobs.push(this.request("presence.list", {}));
    this.state.set(first ? "online" : "syncing");
    const ws = this.ws;
    const results = await Promise.allSettled(jobs);
    if (this.state.value !== "syncing" || this.ws !== ws) return;
    if (results.some((r) => r.status === "rejected") && !this.online) return; // dropped again
    this.state.set("online");
  }
}

/** live is the agent socket; staff viewing a workspace name it (read-only). */
export const live = new Live(() => "/ws/agent" + (workspaceId() ? "?tenant_id=" + workspaceId() : ""));

/** supportLive is the Support section's socket: the workspace as the platform team's visitor. */
export const supportLive = new Live(() => "/ws/support", false);
