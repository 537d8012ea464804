// Convs is what the frame knows of the visitor's conversations: their
// status, unread count and last message, merged from every source (the
// visit, the conversations list, subscribed, conversation.updated, unread,
// read.ok, message.created). State with a version keeps the highest
// version; the preview keeps the newest message (highest seq). A live
// message stands as the preview whole: the list shows one line of it
// (CSS cuts it), so the server's cut (hub.Conversation.notePreview) need
// not be repeated here.
import type { Message, VisitorConversation } from "../types";

export class Convs {
  private byId = new Map<number, VisitorConversation>();

  /** changed is called after every change. */
  constructor(private changed: () => void) {}

  get(id: number): VisitorConversation | undefined {
    return this.byId.get(id);
  }

  /** put merges a conversation as the server reported it. */
  put(c: VisitorConversation): void {
    this.merge(c);
    this.changed();
  }

  /** putAll merges a page of the conversations list. */
  putAll(cs: VisitorConversation[]): void {
    for (const c of cs) this.merge(c);
    this.changed();
  }

  private merge(c: VisitorConversation) {
    if (!c || !c.id) return;
    const o = this.byId.get(c.id);
    if (!o) {
      this.byId.set(c.id, { ...c, status: c.status || "", preview: c.preview || "" });
    } else {
      if (c.version >= o.version) {
        o.version = c.version;
        o.status = c.status || o.status;
        o.unread = c.unread;
        o.created_at = c.created_at || o.created_at;
      }
      if (c.last_seq >= o.last_seq) {
        o.last_seq = c.last_seq;
        o.preview = c.preview || "";
        o.preview_author = c.preview_author;
        o.last_message_at = c.last_message_at || o.last_message_at;
      }
    }
  }

  /** unread applies an absolute unread count; it reports whether the conversation was known. */
  unread(id: number, count: number, version: number): boolean {
    const o = this.byId.get(id);
    if (!o) {
      this.put(blank(id, { unread: count, version }));
      return false;
    }
    if (typeof count === "number" && version >= o.version) {
      o.unread = count;
      o.version = version;
      this.changed();
    }
    return true;
  }

  /** message notes a new message as the conversation's last; it reports whether the conversation was known. */
  message(m: Message): boolean {
    const id = m.conversation_id || 0;
    if (!id || typeof m.seq !== "number") return true;
    const known = this.byId.has(id);
    const o = this.byId.get(id) || blank(id, {});
    if (m.seq > o.last_seq) {
      o.last_seq = m.seq;
      o.preview = m.body;
      o.preview_author = m.author_kind;
      o.last_message_at = m.created_at || o.last_message_at;
    }
    if (!known) this.byId.set(id, o);
    this.changed();
    return known;
  }

  /** closed marks a conversation closed: the server refused a message into it. */
  closed(id: number): void {
    const o = this.byId.get(id);
    if (o && o.status !== "closed") {
      o.status = "closed";
      this.changed();
    }
  }

  /** all lists the conversations the way the server does: newest activity first. */
  all(): VisitorConversation[] {
    return Array.from(this.byId.values()).sort((a, b) => time(b) - time(a) || b.id - a.id);
  }

  /**
   * current is where a message without a conversation id goes: the
   * newest (highest id) conversation that is not closed (hub
   * currentConversation), or undefined when all are closed.
   */
  current(): VisitorConversation | undefined {
    let cur: VisitorConversation | undefined;
    for (const c of this.byId.values()) if (c.status !== "closed" && (!cur || c.id > cur.id)) cur = c;
    return cur;
  }

  /** unreadTotal sums the unread counts, leaving out one conversation when asked. */
  unreadTotal(except = 0): number {
    let n = 0;
    for (const c of this.byId.values()) if (c.id !== except) n += c.unread || 0;
    return n;
  }
}

function blank(id: number, c: Partial<VisitorConversation>): VisitorConversation {
  return { id, status: "", last_seq: 0, unread: 0, version: -1, preview: "", last_message_at: "", created_at: "", ...c };
}

// time is a conversation's last activity in ms; timestamps come with 0 to 9
// fraction digits, so they do not sort as strings.
function time(c: VisitorConversation): number {
  return Date.parse(c.last_message_at) || 0;
}
