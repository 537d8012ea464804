// App is the chat once the loader's init arrived: the header, the view
// (one conversation's thread, or the list of conversations), the message
// box, and the visitor's websocket. It routes every frame: replies to the
// request that asked (rpc.ts), events to the conversations they belong to,
// so that a message, a typing line or an unread count of one conversation
// never shows in another.
import type { Appearance, FromFrame, Message, VisitorConversation } from "../types";
import { Composer } from "./composer";
import { Conn, ConnState, Frame } from "./conn";
import { Convs } from "./convs";
import { el } from "./dom";
import type { Env } from "./env";
import { offText } from "./errors";
import { countText, statusText, strings } from "./i18n";
import { ConvList, ListHost } from "./list";
import type { Item } from "./message";
import { Rpc } from "./rpc";
import { Thread, ThreadHost } from "./thread";

/** Init is what the loader's init message gives the chat. */
export interface Init {
  token: string;
  /** conversation is the visitor's newest, of any status, or null before their first message. */
  conversation: VisitorConversation | null;
  locale: string;
  appearance: Appearance;
  name: string;
  email: string;
  tickets: boolean;
}

const BACK = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M15.4 7.4 14 6l-6 6 6 6 1.4-1.4-4.6-4.6z"/></svg>';

export class App implements ThreadHost, ListHost {
  private env: Env;
  private conn: Conn;
  private back: HTMLButtonElement;
  private backCount: HTMLElement;
  private title: HTMLElement;
  private pill: HTMLElement;
  private status: HTMLElement;
  private reconnectBtn: HTMLButtonElement;
  private closeBtn: HTMLButtonElement;
  private alertBox: HTMLElement;
  private view: HTMLElement;
  /** off is the notice instead of the message box while the chat is closed to the visitor (offReason). */
  private off: HTMLElement;
  private offLine: HTMLElement;
  private offBtn: HTMLButtonElement;
  private offReason = "";
  private composer: Composer;
  private list: ConvList;
  /** threads holds the shown thread and those with messages still on their way, by conversation id. */
  private threads = new Map<number, Thread>();
  /** fresh is the new conversation the visitor started, until the server gives it an id. */
  private fresh: Thread | null = null;
  private shown!: Thread;
  private listing = false;
  private connState: ConnState = "connecting";
  private unreadSent = -1;
  private toldKeys = new Set<string>();
  private name: string; // the site's, the thread's title

  constructor(
    private app: HTMLElement,
    wsURL: string,
    root: string,
    m: Init,
    toParent: (m: FromFrame) => void,
  ) {
    this.name = m.name || "";
    const a = m.appearance || {};
    if (/^#[0-9a-f]{6}$/i.test(a.color || "")) document.documentElement.style.setProperty("--c", a.color!);
    const rpc = new Rpc();
    this.env = {
      t: strings(m.locale),
      look: a,
      root,
      token: m.token,
      email: m.email || "",
      tickets: !!m.tickets,
      open: false,
      rpc,
      convs: new Convs(() => this.refresh()),
      toParent,
      told: (msg) => this.tell(msg),
    };

    const header = el("header", "h", app);
    this.back = el("button", "bk", header);
    this.back.type = "button";
    this.back.innerHTML = BACK; // a constant icon
    this.backCount = el("span", "n", this.back);
    this.backCount.setAttribute("aria-hidden", "true");
    this.back.onclick = () => this.showList();
    this.title = el("h1", "", header);
    this.pill = el("span", "pill", header);
    this.status = el("p", "st", header);
    this.status.setAttribute("role", "status");
    this.reconnectBtn = el("button", "rc", header);
    this.reconnectBtn.type = "button";
    this.reconnectBtn.hidden = true;
    this.reconnectBtn.onclick = () => this.conn.retry();
    this.closeBtn = el("button", "x", header);
    this.closeBtn.type = "button";
    this.closeBtn.textContent = "×";
    this.closeBtn.onclick = () => toParent({ type: "close" });
    this.alertBox = el("p", "err", app);
    this.alertBox.setAttribute("role", "alert");
    this.alertBox.hidden = true;
    this.view = el("div", "vw", app);
    this.off = el("div", "off", app);
    this.off.hidden = true;
    this.offLine = el("p", "", this.off);
    this.offLine.setAttribute("role", "status");
    this.offBtn = el("button", "pri", this.off);
    this.offBtn.type = "button";
    this.offBtn.onclick = () => this.conn.retry();
    this.composer = new Composer(app, {
      submit: (body) => this.shown.writable && this.shown.submit(body),
      files: (files) => this.shown.writable && files.forEach((f) => this.shown.attach(f)),
      typing: () => this.shown.userTyping(),
    });
    this.list = new ConvList(this.env, this);

    const c = m.conversation;
    if (c && c.id) this.env.convs.put(c);
    this.showThread(c && c.id ? new Thread(this.env, this, c.id) : this.freshThread());
    this.applyStrings();

    this.conn = new Conn(wsURL, m.token, {
      state: (s) => this.onState(s),
      frame: (f) => this.onFrame(f),
      unauthorized: () => toParent({ type: "reauth" }),
      closed: (reason) => (this.offReason = reason),
    });
    rpc.conn = this.conn;
    document.addEventListener("visibilitychange", () => this.shown.markRead());
  }

  // ---- the loader's words ----

  setOpen(open: boolean): void {
    this.env.open = open;
    if (open) {
      this.focusMain();
      this.shown.markRead();
    } else this.shown.stopTyping();
  }

  setToken(token: string, email: string): void {
    this.env.token = token;
    this.env.email = email || this.env.email;
    this.conn.setToken(token);
  }

  setLocale(locale: string): void {
    this.env.t = strings(locale);
    this.applyStrings();
  }

  /** prefill puts text into the message box of a conversation the visitor can write to. */
  prefill(text: string): void {
    if (this.listing || !this.shown.writable) this.startNew();
    this.composer.input.value = text;
    this.composer.input.focus();
  }

  // ---- views ----

  private freshThread(): Thread {
    return this.fresh || (this.fresh = new Thread(this.env, this, 0));
  }

  private showThread(th: Thread) {
    const old = this.shown;
    if (old && old !== th) {
      old.hide();
      if (old.id && !old.busy()) this.threads.delete(old.id);
    }
    this.shown = th;
    if (th.id) this.threads.set(th.id, th);
    this.listing = false;
    this.alert("");
    this.view.replaceChildren(th.el);
    th.show();
    this.refresh();
  }

  private showList() {
    this.shown.hide();
    this.listing = true;
    this.list.current = this.shown.id;
    this.alert("");
    this.view.replaceChildren(this.list.el);
    this.list.refresh();
    this.refresh();
    this.list.focus();
  }

  /** open shows a conversation of the list. */
  open(id: number): void {
    this.showThread(this.threads.get(id) || new Thread(this.env, this, id));
    this.focusMain();
  }

  /**
   * startNew is where the visitor writes again: the conversation a message
   * without an id goes to (the newest not closed), or a new one when all are
   * closed. carry, what a closed conversation refused, is sent there.
   */
  startNew(carry: Item[] = []): void {
    const cur = this.env.convs.current();
    const th = cur ? this.threads.get(cur.id) || new Thread(this.env, this, cur.id) : this.freshThread();
    this.showThread(th);
    if (carry.length) th.adoptCarry(carry);
    this.focusMain();
  }

  private focusMain() {
    if (this.listing) this.list.focus();
    else if (!this.shown.focusBar()) this.composer.input.focus();
  }

  // ---- what threads ask ----

  adopted(th: Thread): void {
    if (this.fresh === th) this.fresh = null;
    const other = this.threads.get(th.id);
    this.threads.set(th.id, th);
    // The server put the message into a conversation already on screen
    // (an agent reopened it meanwhile): show it once, as the new thread.
    if (other && other !== th && this.shown === other) this.showThread(th);
    this.refresh();
  }

  changed(th: Thread): void {
    if (th === this.shown) this.refresh();
  }

  alert(text: string): void {
    this.alertBox.textContent = text;
    this.alertBox.hidden = !text;
  }

  focusComposer(): void {
    if (!this.composer.form.hidden) this.composer.input.focus();
  }

  // ---- drawing ----

  private applyStrings() {
    const { t } = this.env;
    document.documentElement.lang = t === strings("ru") ? "ru" : "en";
    this.closeBtn.setAttribute("aria-label", t.close);
    this.reconnectBtn.textContent = t.reconnect;
    this.offBtn.textContent = t.tryAgain;
    this.composer.applyStrings(t);
    for (const th of this.allThreads()) th.applyStrings();
    this.showState(this.connState);
    this.refresh();
  }

  // refresh redraws what depends on the conversations' state: the shown
  // thread's closed bar, the list, the header, whether the message box
  // shows, and the loader's unread badge (the sum over all conversations).
  private refresh() {
    if (!this.shown) return; // still starting
    const { t } = this.env;
    this.shown.sync();
    if (this.listing) this.list.render();
    const others = this.env.convs.unreadTotal(this.listing ? -1 : this.shown.id);
    this.back.hidden = this.listing;
    this.backCount.textContent = countText(others);
    this.backCount.hidden = !others;
    this.back.setAttribute("aria-label", t.conversations + (others ? ", " + t.unreadIn.replace("{n}", String(others)) : ""));
    this.title.textContent = this.listing ? t.conversations : this.name || t.title;
    // The header names a status only when it is not the usual one.
    const st = this.listing ? "" : this.shown.status;
    this.pill.textContent = st === "open" ? "" : statusText(t, st);
    this.pill.hidden = !this.pill.textContent;
    const hide = this.listing || !this.shown.writable || this.connState === "closed";
    const hadFocus = this.composer.form.contains(document.activeElement);
    this.composer.form.hidden = hide;
    if (hide && hadFocus && !this.listing) this.shown.focusBar();
    const n = this.env.convs.unreadTotal();
    if (n !== this.unreadSent) {
      this.unreadSent = n;
      this.env.toParent({ type: "unread", count: n });
    }
  }

  private showState(s: ConnState) {
    const { t } = this.env;
    this.connState = s;
    this.app.dataset.state = s;
    const paused = this.offReason === "WIDGET_PAUSED";
    this.status.textContent =
      s === "online" ? "" : s === "disconnected" ? t.disconnected : s === "closed" ? (paused ? t.stPaused : t.stUnavailable) : t[s];
    this.reconnectBtn.hidden = s !== "disconnected";
    // Closed to the visitor: why, instead of the message box (refresh hides
    // it, keeping what is in it), and a way to try again now.
    this.off.hidden = s !== "closed";
    this.offLine.textContent = s !== "closed" ? "" : offText(t, this.offReason) + " " + t.kept;
  }

  private allThreads(): Thread[] {
    const all = new Set(this.threads.values());
    all.add(this.shown);
    if (this.fresh) all.add(this.fresh);
    return Array.from(all);
  }

  // tell tells the loader about a new message of someone else, once.
  private tell(m: Message) {
    const key = m.conversation_id + ":" + m.seq;
    if (m.author_kind === "visitor" || this.toldKeys.has(key)) return;
    this.toldKeys.add(key);
    this.env.toParent({ type: "message", message: m });
  }

  // ---- the socket ----

  private onState(s: ConnState) {
    const was = this.connState;
    this.showState(s);
    if (s === "closed" || was === "closed") this.refresh(); // the message box goes, or comes back
    if (s === "online") {
      this.alert("");
      for (const th of this.allThreads()) {
        if (th === this.shown) th.online();
        else th.flush();
      }
      this.list.refresh(); // every conversation's unread count and status
    } else {
      // Whatever waited for a reply is asked again when back, with the same ids.
      this.env.rpc.drop();
    }
  }

  private onFrame(f: Frame) {
    if (this.env.rpc.reply(f)) return;
    const d = f.data || {};
    const shownID = this.shown.id;
    switch (f.type) {
      case "message.created":
        if (!this.env.convs.message(d)) this.list.refresh(); // a conversation not known yet
        if (d.conversation_id === shownID) {
          this.shown.add(d, true);
          this.shown.markRead();
        }
        this.tell(d);
        break;
      case "message.updated":
        if (d.conversation_id === shownID) this.shown.updated(d);
        break;
      case "conversation.updated":
        this.env.convs.put(d);
        break;
      case "unread":
        if (!this.env.convs.unread(d.conversation_id, d.count, d.version)) this.list.refresh();
        break;
      case "typing":
        if (shownID && d.conversation_id === shownID && d.author_kind !== "visitor") this.shown.typing(d.author_kind, !!d.typing, d.status_type);
        break;
      case "resume":
        // Missed messages came already; refresh the rest.
        this.shown.resume();
        this.list.refresh();
        break;
      case "resync":
        if (d.conversation_id === shownID) this.shown.resync(d.last_seq);
        break;
      case "error":
        // A frame sent without waiting for a reply (typing) failed: nothing
        // the visitor did or can fix.
        console.warn("[parley]", d.code, d.reason || "", d.message || "");
    }
  }
}
