// Thread is one conversation on screen: its messages in seq order, once
// each; the visitor's own messages on their way, sent in order and at most
// once each (a retry reuses the client_msg_id); history paging, subscribe,
// resume and read markers; the typing line; votes and the ticket form; and
// the closed state, where the composer gives way to "Start a new
// conversation" and whatever the server refused goes along to the next
// conversation.
//
// A thread with id 0 is a new conversation: its first message goes without
// a conversation id, and the ack's conversation_id becomes its id.
import type { Message } from "../types";
import type { Frame } from "./conn";
import { button, el } from "./dom";
import type { Env } from "./env";
import { chatOff, errorText, httpProblem, OFFLINE, Problem, TIMEOUT } from "./errors";
import { appendText } from "./linkify";
import { Item, ItemHost, renderItem } from "./message";
import { openTicketForm, TicketResult } from "./ticket";

const ACK_TIMEOUT = 20000;
const TYPING_EVERY = 3000;
const TYPING_IDLE = 4000;
const TYPING_SHOWN = 10000;
const PAGE = 50;
const MAX_FILE = 10 << 20; // hub.MaxAttachmentBytes

/** ThreadHost is what a thread asks of the frame around it. */
export interface ThreadHost {
  /** adopted: a new conversation got its id from the server. */
  adopted(th: Thread): void;
  /** changed: whether the thread can be written to, or what its closed bar says, changed. */
  changed(th: Thread): void;
  /** startNew: the visitor wants to write again; carry is what this conversation could not take. */
  startNew(carry: Item[]): void;
  /** alert shows an error that belongs to no message. */
  alert(text: string): void;
  /** focusComposer gives the focus back to the message box. */
  focusComposer(): void;
}

export class Thread implements ItemHost {
  readonly el: HTMLElement;
  private sc: HTMLElement;
  private olderBtn: HTMLButtonElement;
  private log: HTMLOListElement;
  private typingLine: HTMLElement;
  private bar: HTMLElement;
  private barLine: HTMLElement;
  private barWhy: HTMLElement;
  private barCarry: HTMLElement;
  private barBtn: HTMLButtonElement;

  private bySeq = new Map<number, Item>();
  private seqs: number[] = []; // shown seqs, ascending
  /** pending are the visitor's messages without a seq yet, in order. */
  private pending: Item[] = [];
  /** carry is what the server refused because the conversation closed, for the next one. */
  private carry: Item[] = [];
  private readSent = 0;
  private loaded = false; // the newest page of history is shown
  private loadingOlder = false;
  private gen = 0; // replies to an earlier showing are ignored
  private shown = false;
  private gone = false; // the server no longer knows the conversation
  private formOpen = false;
  private typingHide = 0;
  private typingSentAt = 0;
  private typingIdle = 0;

  constructor(
    readonly env: Env,
    private host: ThreadHost,
    public id: number,
  ) {
    this.el = el("section", "th");
    this.sc = el("div", "sc", this.el);
    this.olderBtn = button("older", "", this.sc);
    this.olderBtn.hidden = true;
    this.olderBtn.onclick = () => {
      if (!this.loadingOlder && this.id && this.firstSeq > 1) this.loadingOlder = this.history(this.firstSeq, true);
    };
    if (env.look.greeting) appendText(el("p", "msg in greet", this.sc), env.look.greeting);
    this.log = el("ol", "log", this.sc);
    this.log.setAttribute("role", "log");
    this.log.setAttribute("aria-live", "polite");
    this.typingLine = el("p", "typ", this.el);
    this.typingLine.setAttribute("aria-live", "polite");
    this.bar = el("div", "closed", this.el);
    this.bar.hidden = true;
    this.barLine = el("p", "cline", this.bar);
    this.barLine.setAttribute("role", "status");
    this.barWhy = el("p", "why", this.bar);
    this.barCarry = el("p", "carry", this.bar);
    this.barBtn = button("pri", "", this.bar);
    this.barBtn.onclick = () => this.host.startNew(this.carry.splice(0));
    this.loaded = !id;
    this.applyStrings();
  }

  /** firstSeq is the lowest seq shown, 0 for none. */
  private get firstSeq(): number {
    return this.seqs.length ? this.seqs[0] : 0;
  }

  /** lastSeq is the highest seq shown, 0 for none. */
  private get lastSeq(): number {
    return this.seqs.length ? this.seqs[this.seqs.length - 1] : 0;
  }

  /** status is "open", "resolved" or "closed" as far as the frame knows. */
  get status(): string {
    const c = this.id ? this.env.convs.get(this.id) : undefined;
    return (c && c.status) || "open";
  }

  /** writable: the visitor may write here (a closed or vanished conversation is read-only). */
  get writable(): boolean {
    return !this.gone && this.status !== "closed";
  }

  applyStrings(): void {
    const { t } = this.env;
    this.log.setAttribute("aria-label", t.messages);
    this.olderBtn.textContent = t.earlier;
    for (const it of this.bySeq.values()) renderItem(this, it);
    for (const it of this.pending) renderItem(this, it);
    this.sync();
  }

  /** sync redraws the closed bar from the thread's state. */
  sync(): void {
    const { t } = this.env;
    if (this.bar.hidden !== this.writable) {
      // The ticket offer and the email step go with the composer.
      this.bar.hidden = this.writable;
      for (const it of this.bySeq.values()) renderItem(this, it);
    }
    const line = this.writable ? "" : this.gone ? t.goneLine : t.closedLine;
    if (this.barLine.textContent !== line) this.barLine.textContent = line; // role=status: said once
    // What was not sent, quoted, so the visitor knows what goes along.
    this.barWhy.textContent = this.carry.length ? t.notSent : "";
    this.barCarry.textContent = this.carry.map((it) => it.m.body).join("\n");
    this.barWhy.hidden = this.barCarry.hidden = !this.carry.length;
    const cur = this.env.convs.current();
    this.barBtn.textContent = cur && cur.id !== this.id ? t.continueConv : t.startNew;
  }

  /** focusBar focuses "Start a new conversation" when the thread is read-only. */
  focusBar(): boolean {
    if (this.writable) return false;
    this.barBtn.focus();
    return true;
  }

  /** show starts showing the thread: what it shows is loaded afresh, in order. */
  show(): void {
    this.shown = true;
    this.gen++;
    for (const it of this.bySeq.values()) it.li.remove();
    this.bySeq.clear();
    this.seqs.length = 0;
    this.loaded = !this.id;
    this.loadingOlder = false;
    this.olderBtn.hidden = true;
    this.load();
    this.sync();
  }

  /** hide stops showing it; its own messages on their way keep going. */
  hide(): void {
    this.shown = false;
    this.stopTyping();
    this.typing("", false);
  }

  /** online: the socket is (again) authenticated. */
  online(): void {
    this.load();
    this.flush();
  }

  /** busy: messages of the visitor are still on their way, or wait for a new conversation. */
  busy(): boolean {
    return this.pending.length > 0 || this.carry.length > 0;
  }

  private load() {
    if (!this.shown || !this.id || !this.env.rpc.online) return;
    if (!this.loaded) this.history(0, false);
    else this.subscribe();
  }

  private history(before: number, older: boolean): boolean {
    const g = this.gen;
    return this.env.rpc.request("history", { conversation_id: this.id, before_seq: before, limit: PAGE }, (f) => {
      if (g !== this.gen) return;
      if (older) this.loadingOlder = false;
      if (f.type !== "history") return this.loadFailed(f.data);
      const msgs: Message[] = f.data.messages || [];
      const keep = this.sc.scrollHeight - this.sc.scrollTop;
      for (const m of msgs) this.add(m, false);
      if (older) this.sc.scrollTop = this.sc.scrollHeight - keep;
      else this.scrollDown();
      // A page may be short because its messages are large (the server
      // keeps a frame small): only the first message ends the paging.
      if (older || !this.loaded) this.olderBtn.hidden = !msgs.length || this.firstSeq <= 1;
      if (!this.loaded) {
        this.loaded = true;
        this.subscribe(); // ordered, gap-free delivery from here on
      }
      this.markRead();
    });
  }

  private subscribe() {
    const g = this.gen;
    this.env.rpc.request("subscribe", { conversation_id: this.id, after_seq: this.lastSeq }, (f) => {
      if (g !== this.gen) return;
      if (f.type !== "subscribed") return this.loadFailed(f.data);
      const d = f.data;
      if (d.conversation) this.env.convs.put(d.conversation);
      for (const m of d.messages || []) this.add(m, true);
      if (d.resync) this.history(d.conversation.last_seq + 1, false);
      this.markRead();
    });
  }

  private loadFailed(p: Problem) {
    if (!p || p.code === OFFLINE) return; // loaded again when back online
    if (p.code === "not_found") {
      this.gone = true;
      return this.host.changed(this);
    }
    this.host.alert(errorText(this.env.t, "load", p));
  }

  /** resume fills what a lost event may have missed (resume frame). */
  resume(): void {
    if (this.shown && this.loaded && this.id) this.subscribe();
  }

  /** resync reloads messages up to lastSeq (resync frame). */
  resync(lastSeq: number): void {
    if (this.shown && this.loaded) this.history(lastSeq + 1, false);
  }

  // ---- messages ----

  /** add shows m once per seq, in seq order; it returns whether m was new. */
  add(m: Message, live: boolean): boolean {
    if (!m || typeof m.seq !== "number" || !this.id || m.conversation_id !== this.id || this.bySeq.has(m.seq)) return false;
    const bottom = this.nearBottom();
    const own = m.client_msg_id ? this.take(m.client_msg_id) : undefined;
    const it: Item = own || { m, li: el("li") };
    it.m = m;
    if (m.author_kind === "visitor") it.state = "sent";
    it.error = "";
    // Insert before the first shown message with a higher seq.
    let i = this.seqs.length;
    while (i > 0 && this.seqs[i - 1] > m.seq) i--;
    const newest = i === this.seqs.length;
    const before = newest ? this.bySeq.get(this.seqs[i - 1]) : undefined; // the newest until now
    this.bySeq.set(m.seq, it);
    this.seqs.splice(i, 0, m.seq);
    const next = i + 1 < this.seqs.length ? this.bySeq.get(this.seqs[i + 1])!.li : this.pending.length ? this.pending[0].li : null;
    this.log.insertBefore(it.li, next);
    renderItem(this, it);
    if (newest && before && before.m.prompt) renderItem(this, before);
    if (newest && m.prompt && live && this.env.open) {
      const ask = it.li.querySelector<HTMLElement>(".ask input");
      if (ask) ask.focus();
    }
    if (live && m.author_kind !== "visitor") {
      this.env.told(m);
      if (m.author_kind === "agent" || m.author_kind === "assistant") this.typing(m.author_kind, false);
    }
    if (live && (bottom || m.author_kind === "visitor")) this.scrollDown();
    return true;
  }

  // take removes the visitor's own message with this client id from the
  // messages on their way (or waiting for a new conversation).
  private take(clientID: string): Item | undefined {
    for (const list of [this.pending, this.carry]) {
      const i = list.findIndex((x) => x.m.client_msg_id === clientID);
      if (i >= 0) {
        const it = list.splice(i, 1)[0];
        clearTimeout(it.timer);
        if (list === this.carry) this.host.changed(this);
        return it;
      }
    }
    return undefined;
  }

  /** updated replaces a message that changed (message.updated). */
  updated(m: Message): void {
    const it = m && this.bySeq.get(m.seq!);
    if (it && m.conversation_id === this.id) {
      it.m = m;
      renderItem(this, it);
    }
  }

  // ---- sending ----

  /** submit sends text the visitor wrote. */
  submit(body: string): void {
    this.stopTyping();
    this.queue(body);
  }

  /** attach sends a file the visitor chose or pasted. */
  attach(file: File): void {
    this.host.alert("");
    if (file.size > MAX_FILE) return this.host.alert(this.env.t.tooBig);
    this.queue(file.name, file);
  }

  /** take over what another conversation could not take: sent here, in order, with new ids. */
  adoptCarry(items: Item[]): void {
    for (const it of items) this.queue(it.m.body, it.file);
  }

  email(address: string): void {
    this.queue(address);
  }

  // queue shows a new message of the visitor (with a client id of its own)
  // at the end of the thread and sends it when it can.
  private queue(body: string, file?: File) {
    const m: Message = { author_kind: "visitor", body, client_msg_id: uuid() };
    const it: Item = { m, li: el("li", "", this.log), state: "queued", file };
    this.pending.push(it);
    renderItem(this, it);
    this.redrawAsk();
    this.scrollDown();
    this.flush();
  }

  retry(it: Item): void {
    it.state = "queued";
    it.error = "";
    renderItem(this, it);
    this.flush();
  }

  /**
   * flush sends every queued message, in order, once each. Files go over
   * HTTP, one at a time: what follows a file waits for it, to keep the
   * order. Into a conversation known to be closed nothing goes: it waits
   * for the next conversation.
   */
  flush(): void {
    if (!this.writable) {
      if (this.refuseAll()) this.host.changed(this);
      return;
    }
    if (!this.env.rpc.online) return;
    for (const it of this.pending) {
      if (it.file && it.state === "sending") return;
      if (it.state !== "queued") continue;
      if (it.file) {
        it.state = "sending";
        renderItem(this, it);
        this.upload(it);
        return;
      }
      const data = { conversation_id: this.id || undefined, client_msg_id: it.m.client_msg_id, body: it.m.body };
      if (!this.env.rpc.request("send", data, (f) => this.sendReply(it, f))) return;
      it.state = "sending";
      it.timer = setTimeout(() => this.fail(it, { code: TIMEOUT }), ACK_TIMEOUT) as unknown as number;
      renderItem(this, it);
    }
  }

  private sendReply(it: Item, f: Frame) {
    clearTimeout(it.timer);
    if (f.type === "ack") this.sent(it, f.data.message);
    else this.refused(it, f.data || {});
  }

  private async upload(it: Item) {
    const body = new FormData();
    body.append("file", it.file!, it.file!.name);
    body.append("client_msg_id", it.m.client_msg_id!);
    if (this.id) body.append("conversation_id", String(this.id));
    let res: Response | null = null;
    let j: any = {};
    try {
      res = await fetch(this.env.root + "/api/v1/sdk/attachments", { method: "POST", headers: { Authorization: "Bearer " + this.env.token }, body });
      j = await res.json().catch(() => ({}));
    } catch (e) {
      // the network failed; Retry sends it again
    }
    if (res && res.ok && j.message) this.sent(it, j.message);
    else if (!res) this.fail(it, this.env.t.uploadFailed);
    else this.refused(it, httpProblem(res.status, j));
    this.flush();
  }

  // sent: the server stored the visitor's message m (it).
  private sent(it: Item, m: Message) {
    if (!m || !m.conversation_id) return;
    this.env.convs.message(m);
    if (!this.id) {
      this.id = m.conversation_id;
      this.host.adopted(this);
      this.loaded = false;
      this.load(); // what the conversation held before (the server chose it), then live
    }
    if (!this.add(m, true) && m.conversation_id !== this.id) {
      // Stored in another conversation: not this thread's to show.
      this.take(m.client_msg_id || "");
      it.li.remove();
    }
    this.markRead();
  }

  // refused: the server did not store it, for the reason p.
  private refused(it: Item, p: Problem) {
    const { t } = this.env;
    if (p.code === OFFLINE) {
      // The socket closed before the reply: sent again, with the same id.
      if (it.state === "sending") {
        it.state = "queued";
        renderItem(this, it);
      }
      return;
    }
    if (chatOff(p.reason)) {
      // The chat closed to the visitor (the socket closes with 4003 and
      // the frame says so): kept, and sent when the chat is back.
      it.state = "queued";
      renderItem(this, it);
      return;
    }
    if (p.code === "unauthorized") this.env.toParent({ type: "reauth" });
    if (p.reason === "conversation_closed" || p.reason === "ticket_done" || (p.code === "not_found" && this.id)) {
      if (p.code === "not_found") this.gone = true;
      else this.env.convs.closed(this.id);
      it.state = "queued"; // done: an upload that ended here goes along too
      this.refuseAll();
      return this.host.changed(this);
    }
    this.fail(it, errorText(t, it.file ? "upload" : "send", p));
  }

  // refuseAll moves every message not sent yet out of the thread: the
  // conversation takes no more, and they wait for the next one. It reports
  // whether it moved any.
  private refuseAll(): boolean {
    let moved = false;
    for (const it of this.pending.slice()) {
      if (it.state === "sending" && it.file) continue; // its upload ends by itself
      this.pending.splice(this.pending.indexOf(it), 1);
      clearTimeout(it.timer);
      it.li.remove();
      this.carry.push(it);
      moved = true;
    }
    return moved;
  }

  private fail(it: Item, p: Problem | string) {
    clearTimeout(it.timer);
    if (it.state === "sent" || this.pending.indexOf(it) < 0) return;
    it.state = "failed";
    it.error = typeof p === "string" ? p : errorText(this.env.t, it.file ? "upload" : "send", p);
    renderItem(this, it);
  }

  // ---- votes and tickets ----

  /** vote shows the vote at once and takes it back if the server refuses it. */
  vote(it: Item, v: "" | "up" | "down"): void {
    const prev = it.m.feedback || "";
    const undo = (p: Problem) => {
      it.m = { ...it.m, feedback: prev as Message["feedback"] };
      renderItem(this, it);
      this.host.alert(errorText(this.env.t, "vote", p));
    };
    const sent = this.env.rpc.request("feedback", { message_id: it.m.id, feedback: v }, (f) => {
      if (f.type !== "feedback.ok") return undo(f.data || {});
      it.m = f.data.message;
      renderItem(this, it);
    });
    if (!sent) return this.host.alert(this.env.t.offline);
    it.m = { ...it.m, feedback: v };
    renderItem(this, it);
  }

  ticket(it: Item): void {
    if (this.formOpen) return;
    this.formOpen = true;
    const { t } = this.env;
    const id = this.id;
    openTicketForm({
      parent: this.el,
      t,
      email: this.env.email,
      subject: this.questionBefore(it.m.seq!),
      create: (input) =>
        new Promise<TicketResult>((done) => {
          const sent = this.env.rpc.request("ticket.create", { conversation_id: id, ...input }, (f) =>
            done(f.type === "ticket.created" ? { ref: f.data.ticket.ref } : { error: errorText(t, "ticket", f.data || {}) }),
          );
          if (!sent) done({ error: t.offline });
        }),
      done: () => {
        this.formOpen = false;
        const offer = it.li.querySelector<HTMLElement>(".offer button");
        if (offer) offer.focus();
        else this.host.focusComposer();
      },
    });
  }

  // questionBefore is the visitor's last message before seq, as a subject.
  private questionBefore(seq: number): string {
    for (let i = this.seqs.indexOf(seq) - 1; i >= 0; i--) {
      const m = this.bySeq.get(this.seqs[i])!.m;
      if (m.author_kind === "visitor" && !m.attachment) return m.body.slice(0, 120);
    }
    return "";
  }

  // ---- the email step ----

  asksEmail(it: Item): boolean {
    return it.m.prompt === "email" && it.m.seq === this.lastSeq && !this.pending.length && this.writable;
  }

  private redrawAsk() {
    const it = this.bySeq.get(this.lastSeq);
    if (it && it.m.prompt) renderItem(this, it);
  }

  // ---- reading and typing ----

  /** markRead tells the server the visitor has seen the thread, when they can see it. */
  markRead(): void {
    if (!this.shown || !this.env.open || !this.id || this.lastSeq <= this.readSent || document.visibilityState !== "visible") return;
    const sent = this.env.rpc.request("read", { conversation_id: this.id, seq: this.lastSeq }, (f) => {
      if (f.type === "read.ok") this.env.convs.unread(f.data.conversation_id, f.data.unread, f.data.version);
      else this.readSent = 0; // said again next time
    });
    if (sent) this.readSent = this.lastSeq;
  }

  /** typing shows or hides who is typing in this conversation. */
  typing(kind: string, on: boolean, status?: string): void {
    const { t } = this.env;
    clearTimeout(this.typingHide);
    this.typingLine.textContent = !on ? "" : status === "ANALYZING" ? t.analyzing : kind === "assistant" ? t.typingAssistant : t.typingAgent;
    if (on) this.typingHide = setTimeout(() => (this.typingLine.textContent = ""), TYPING_SHOWN) as unknown as number;
  }

  /** userTyping tells the team the visitor types (at most every few seconds). */
  userTyping(): void {
    if (!this.id || !this.writable) return;
    clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => this.stopTyping(), TYPING_IDLE) as unknown as number;
    if (Date.now() - this.typingSentAt > TYPING_EVERY) {
      this.typingSentAt = Date.now();
      this.env.rpc.notify("typing", { conversation_id: this.id, typing: true });
    }
  }

  stopTyping(): void {
    clearTimeout(this.typingIdle);
    if (this.typingSentAt && this.id) this.env.rpc.notify("typing", { conversation_id: this.id, typing: false });
    this.typingSentAt = 0;
  }

  nearBottom(): boolean {
    return this.sc.scrollHeight - this.sc.scrollTop - this.sc.clientHeight < 80;
  }

  scrollDown(): void {
    this.sc.scrollTop = this.sc.scrollHeight;
  }
}

function uuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return "c-" + Array.from(b, (x) => (x + 256).toString(16).slice(1)).join("");
}
