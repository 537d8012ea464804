// Rpc pairs the frame's requests with their replies: whoever sends a
// request hands the reply (or the error) to its own callback, so that the
// frame's parts never share a table of what is pending. A socket that
// closes ends every pending request with an OFFLINE error.
import type { Conn, Frame } from "./conn";
import { OFFLINE } from "./errors";

/** OnReply receives the reply frame, or an error frame ({type: "error", data: {code, reason}}). */
export type OnReply = (f: Frame) => void;

export class Rpc {
  conn: Conn | null = null;
  private waiting = new Map<string, OnReply>();

  /** online reports whether requests can be sent now. */
  get online(): boolean {
    return !!this.conn && this.conn.online;
  }

  /** request sends a frame and returns whether it went out (false when offline). */
  request(type: string, data: object, onReply?: OnReply): boolean {
    const id = this.conn ? this.conn.send(type, data) : "";
    if (id) this.waiting.set(id, onReply || (() => {}));
    return !!id;
  }

  /** notify sends a frame that takes no reply (typing). */
  notify(type: string, data: object): void {
    if (this.conn) this.conn.notify(type, data);
  }

  /** reply hands f to the request it answers; it returns false for anything else (events). */
  reply(f: Frame): boolean {
    const done = f.id ? this.waiting.get(f.id) : undefined;
    if (!done) return false;
    this.waiting.delete(f.id!);
    done(f);
    return true;
  }

  /** drop ends every pending request: the socket they went out on is gone. */
  drop(): void {
    const all = Array.from(this.waiting.values());
    this.waiting.clear();
    for (const done of all) done({ type: "error", data: { code: OFFLINE } });
  }
}
