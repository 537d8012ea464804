// "Your conversations": the visitor's conversations the way Intercom's
// messenger lists them, newest activity first, each with the start of its
// last message, when, its status and its unread count. The main action
// continues the conversation a new message would go to, or, when every
// conversation is closed, starts a new one: a visitor has at most one
// current conversation (hub currentConversation). Older conversations page
// in by keyset (last_message_at, id of the last row of the previous page).
import type { VisitorConversation } from "../types";
import type { Frame } from "./conn";
import { button, el } from "./dom";
import type { Env } from "./env";
import { errorText, OFFLINE } from "./errors";
import { countText, statusText, Strings } from "./i18n";

// The page the list asks for (the server's default, too); a full page
// means there may be more.
const LIMIT = 20;

export interface ListHost {
  open(id: number): void;
  startNew(): void;
}

export class ConvList {
  readonly el: HTMLElement;
  private ul: HTMLUListElement;
  private note: HTMLElement;
  private err: HTMLElement;
  private more: HTMLButtonElement;
  private main: HTMLButtonElement;
  private cursor: { time: string; id: number } | null = null;
  private hasMore = false;
  private loading = false;
  // Asked for while a page was loading, run when it is in: a refreshed
  // first page (again), "Show older" with what follows it (older).
  private again = false;
  private older: (() => void) | null = null;
  private loaded = false;
  /** current is the conversation the visitor came from (aria-current). */
  current = 0;

  constructor(
    private env: Env,
    host: ListHost,
  ) {
    this.el = el("section", "lv");
    const sc = el("div", "sc", this.el);
    this.ul = el("ul", "cl", sc);
    this.note = el("p", "note", sc);
    this.note.setAttribute("role", "status");
    this.more = button("older", "", sc);
    this.more.onclick = () => {
      // Where the focus goes when the button goes: the first older row.
      const first = this.ul.children.length;
      this.page(true, () => {
        if (!this.more.hidden) return;
        const row = this.ul.children[first];
        (row ? row.querySelector("button")! : this.main).focus();
      });
    };
    this.err = el("p", "lerr", this.el);
    this.err.setAttribute("role", "alert");
    const foot = el("div", "foot", this.el);
    this.main = button("pri", "", foot);
    this.main.onclick = () => {
      const cur = env.convs.current();
      if (cur) host.open(cur.id);
      else host.startNew();
    };
    this.ul.addEventListener("click", (e) => {
      const b = (e.target as HTMLElement).closest<HTMLElement>("button[data-id]");
      if (b) host.open(+b.dataset.id!);
    });
  }

  /** refresh loads the first page again (after connecting, on resume, for a conversation not known yet). */
  refresh(): void {
    this.page(false);
  }

  private page(older: boolean, then?: () => void) {
    if (this.loading) {
      if (older) this.older = then || (() => {});
      else this.again = true;
      return;
    }
    const data: Record<string, unknown> = { limit: LIMIT };
    if (older && this.cursor) {
      data.before_time = this.cursor.time;
      data.before_id = this.cursor.id;
    }
    // Offline, nothing goes: the list is refreshed when the socket is back.
    const sent = this.env.rpc.request("conversations", data, (f) => {
      this.got(f, older);
      // Unless the visitor went on elsewhere meanwhile (a hidden button's focus falls to the body).
      const a = document.activeElement;
      if (then && (a === this.more || a === document.body)) then();
    });
    if (!sent) return;
    this.loading = true;
    this.render();
  }

  // got takes the answer to a page: the conversations frame, or an error.
  private got(f: Frame, older: boolean) {
    this.loading = false;
    if (f.type !== "conversations") {
      if (f.data && f.data.code !== OFFLINE) this.err.textContent = errorText(this.env.t, "load", f.data);
    } else {
      this.err.textContent = "";
      const rows: VisitorConversation[] = (f.data && f.data.conversations) || [];
      // The cursor moves on with "Show older" only: a refreshed first page
      // may have new conversations on top, the older ones stay where they were.
      if (older || !this.loaded) {
        const last = rows[rows.length - 1];
        if (last) this.cursor = { time: last.last_message_at, id: last.id };
        this.hasMore = rows.length >= LIMIT;
      }
      this.loaded = true;
      this.env.convs.putAll(rows); // renders through the frame's change handler
    }
    if (this.again) {
      this.again = false;
      this.page(false);
    } else if (this.older && f.type === "conversations") {
      const then = this.older;
      this.older = null;
      if (this.hasMore) this.page(true, then);
    } else {
      this.older = null;
    }
    this.render();
  }

  render(): void {
    const { t } = this.env;
    const all = this.env.convs.all().filter((c) => c.last_message_at);
    const focused = document.activeElement as HTMLElement | null;
    const focusID = focused && this.ul.contains(focused) ? focused.dataset.id : "";
    this.ul.setAttribute("aria-label", t.conversations);
    this.ul.textContent = "";
    for (const c of all) this.row(t, c);
    if (focusID) {
      const again = this.ul.querySelector<HTMLElement>('button[data-id="' + focusID + '"]');
      if (again) again.focus();
    }
    this.ul.hidden = !all.length;
    this.note.textContent = all.length ? "" : this.loaded ? t.noConversations : t.loading;
    this.more.textContent = t.showOlder;
    this.more.hidden = !this.hasMore;
    this.more.setAttribute("aria-busy", String(this.loading));
    this.main.textContent = this.env.convs.current() ? t.continueConv : t.startNew;
  }

  private row(t: Strings, c: VisitorConversation) {
    const b = el("button", "cv", el("li", "", this.ul));
    b.type = "button";
    b.dataset.id = String(c.id);
    if (c.id === this.current) b.setAttribute("aria-current", "true");
    const top = el("span", "top", b);
    el("span", "pv", top).textContent = (c.preview_author === "visitor" ? t.you + ": " : "") + (c.preview || "…");
    const tm = el("time", "", top);
    tm.dateTime = c.last_message_at;
    tm.textContent = when(c.last_message_at);
    const bottom = el("span", "bot", b);
    const label = statusText(t, c.status);
    if (label) el("span", "stl " + c.status, bottom).textContent = label;
    if (c.unread > 0) {
      const n = el("span", "un", bottom);
      n.setAttribute("aria-hidden", "true");
      n.textContent = countText(c.unread);
      el("span", "vh", bottom).textContent = t.unreadIn.replace("{n}", String(c.unread));
    }
  }

  /** focus puts the focus on the first conversation, or on the main action when there is none. */
  focus(): void {
    (this.ul.querySelector<HTMLElement>("button") || this.main).focus();
  }
}

// when is a short time: the hour today, else the day (and the year, when
// not this one), in the frame's language.
function when(iso: string): string {
  const d = new Date(iso);
  if (isNaN(+d)) return "";
  const lang = document.documentElement.lang;
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return d.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
  const o: Intl.DateTimeFormatOptions = { day: "numeric", month: "short" };
  if (d.getFullYear() !== now.getFullYear()) o.year = "numeric";
  return d.toLocaleDateString(lang, o);
}
