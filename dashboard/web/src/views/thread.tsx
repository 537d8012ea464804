// A conversation's thread as data: messages kept one per seq, loaded over
// REST and followed live (subscribe with after_seq, resync through
// history), the outbox of what is being sent, the read marker and the
// viewing hint. timeline.tsx shows a thread; composer.tsx writes to it.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, get, post, upload } from "../api";
import { applyRead, convUnread, openConversation, readOnly, unread, type ReadState } from "../data";
import { Live, live, LiveError } from "../live";
import { useStore } from "../store";
import type { Message, Page } from "../types";
import { errorText } from "../ui";

const FAR = 9007199254740991;

interface Outgoing {
  clientMsgId: string;
  body: string;
  internal: boolean;
  /** file goes over HTTP (multipart), not the socket. */
  file?: File;
  failed?: string;
}

export interface Thread {
  messages: Message[];
  outbox: Outgoing[];
  loading: boolean;
  error: unknown;
  hasEarlier: boolean;
  loadEarlier(): void;
  send(body: string, internal: boolean): void;
  /** sendFile uploads a file as a message to the visitor. */
  sendFile(file: File): void;
  /** retry sends a failed message again, with the same client_msg_id. */
  retry(clientMsgId: string): void;
  discard(clientMsgId: string): void;
}

/**
 * Channel is where a thread lives: its socket, and the REST path its
 * messages, attachments and read marker are under. Agents read their
 * workspace's conversations; the Support section reads its tickets
 * through the visitor side of the protocol, polling REST while its
 * socket is down.
 */
export interface Channel {
  live: Live;
  rest: string;
  poll?: boolean;
}

/** agentChannel is the agent socket and REST path of one conversation. */
export const agentChannel = (id: number): Channel => ({ live, rest: "/conversations/" + id });

/** POLL is how often a thread without its socket asks REST for new messages. */
const POLL = 4000;

/** useThread follows conversation id while mounted, through ch (the agent's by default). */
export function useThread(id: number, ch: Channel = agentChannel(id)): Thread {
  const sock = ch.live;
  const [byseq, setBySeq] = useState<Map<number, Message>>(() => new Map());
  const [outbox, setOutbox] = useState<Outgoing[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const ref = useRef({ map: new Map<number, Message>(), outbox: [] as Outgoing[], id });
  ref.current.id = id;

  const insert = (msgs: Message[]) => {
    if (!msgs.length) return;
    const map = new Map(ref.current.map);
    let changed = false;
    for (const m of msgs) {
      if (m.conversation_id !== ref.current.id) continue;
      const cur = map.get(m.seq);
      if (!cur || cur.id !== m.id || cur.feedback !== m.feedback) {
        map.set(m.seq, m);
        changed = true;
      }
    }
    if (!changed) return;
    ref.current.map = map;
    setBySeq(map);
    // A stored message leaves the outbox.
    const sent = new Set(msgs.map((m) => m.client_msg_id).filter(Boolean));
    if (ref.current.outbox.some((o) => sent.has(o.clientMsgId))) {
      ref.current.outbox = ref.current.outbox.filter((o) => !sent.has(o.clientMsgId));
      setOutbox(ref.current.outbox);
    }
  };
  const lastSeq = () => {
    let n = 0;
    for (const s of ref.current.map.keys()) n = Math.max(n, s);
    return n;
  };
  const history = async (before: number) => {
    const f = await sock.request("history", { conversation_id: id, before_seq: before, limit: 200 });
    insert(f.data?.messages || []);
  };

  useEffect(() => {
    ref.current.map = new Map();
    ref.current.outbox = [];
    setBySeq(ref.current.map);
    setOutbox([]);
    setLoading(true);
    setError(null);
    let gone = false;
    get<Page<Message>>(`${ch.rest}/messages?before_seq=${FAR}&limit=200`)
      .then((p) => !gone && insert(p.items || []))
      .catch((e) => !gone && setError(e))
      .finally(() => !gone && setLoading(false));
    const offs = [
      sock.subscribe({
        conversationId: id,
        lastSeq,
        subscribed: (d) => {
          if (gone) return;
          insert(d.messages || []);
          setLoading(false);
          if (d.resync) history((d.conversation?.last_seq || 0) + 1).catch(() => {});
        },
      }),
      sock.on("message.created", (m: Message) => insert([m])),
      sock.on("message.updated", (m: Message) => insert([m])),
      sock.on("ack", (d: { message: Message }) => d?.message && insert([d.message])),
      sock.on("resync", (d: { conversation_id: number; last_seq: number }) => {
        if (d.conversation_id === id) history(d.last_seq + 1).catch(() => {});
      }),
      // Re-send what got no ack, with the same client_msg_id (idempotent).
      sock.state.subscribe(() => {
        // Files are uploaded over HTTP: a reconnect does not concern them.
        if (sock.state.value === "online") for (const o of ref.current.outbox) if (!o.failed && !o.file) deliver(o);
      }),
    ];
    // Without its socket, a polled thread still sees what arrives.
    const poller = ch.poll
      ? setInterval(() => {
          if (sock.state.value === "online" || document.visibilityState !== "visible") return;
          get<Page<Message>>(`${ch.rest}/messages?after_seq=${lastSeq()}`).then((p) => !gone && insert(p.items || []), () => {});
        }, POLL)
      : 0;
    if (sock === live) openConversation.set(id); // the agent's: what notifications leave out
    return () => {
      gone = true;
      clearInterval(poller);
      offs.forEach((off) => off());
      if (openConversation.value === id) openConversation.set(0);
    };
  }, [id]);

  const failed = (cid: string, why: string) => {
    ref.current.outbox = ref.current.outbox.map((x) => (x.clientMsgId === cid ? { ...x, failed: why } : x));
    setOutbox(ref.current.outbox);
  };
  const deliver = async (o: Outgoing) => {
    if (o.file) {
      const form = new FormData();
      form.append("file", o.file, o.file.name);
      form.append("client_msg_id", o.clientMsgId);
      try {
        insert([await upload<Message>(`${ch.rest}/attachments`, form)]);
      } catch (e) {
        failed(o.clientMsgId, errorText(e)); // the server's reason (problem detail)
      }
      return;
    }
    // Only agents write notes: the visitor side sends no internal flag.
    const note = o.internal ? { internal: true } : {};
    try {
      if (sock.online) {
        const f = await sock.request("send", { conversation_id: id, client_msg_id: o.clientMsgId, body: o.body, ...note });
        insert([f.data.message]);
      } else {
        insert([await post<Message>(`${ch.rest}/messages`, { client_msg_id: o.clientMsgId, body: o.body, ...note })]);
      }
    } catch (e) {
      const offline = (e instanceof LiveError && (e.code === "offline" || e.code === "timeout")) || (e instanceof ApiError && e.status === 0);
      if (offline) return; // stays queued; sent again when back online
      failed(o.clientMsgId, e instanceof LiveError ? e.message || e.code : errorText(e));
    }
  };

  const queue = (o: Outgoing) => {
    ref.current.outbox = [...ref.current.outbox, o];
    setOutbox(ref.current.outbox);
    deliver(o);
  };
  const clientId = () => "d-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  const messages = useMemo(() => Array.from(byseq.values()).sort((a, b) => a.seq - b.seq), [byseq]);
  return {
    messages,
    outbox,
    loading,
    error,
    hasEarlier: messages.length > 0 && messages[0].seq > 1,
    loadEarlier: () => {
      const first = messages[0]?.seq || 0;
      if (sock.online) history(first).catch(() => {});
      else get<Page<Message>>(`${ch.rest}/messages?before_seq=${first}&limit=200`).then((p) => insert(p.items || []), () => {});
    },
    send: (body, internal) => queue({ clientMsgId: clientId(), body, internal }),
    sendFile: (file) => queue({ clientMsgId: clientId(), body: file.name, internal: false, file }),
    retry: (cid) => {
      const o = ref.current.outbox.find((x) => x.clientMsgId === cid);
      if (!o) return;
      ref.current.outbox = ref.current.outbox.map((x) => (x === o ? { ...o, failed: undefined } : x));
      setOutbox(ref.current.outbox);
      deliver({ ...o, failed: undefined });
    },
    discard: (cid) => {
      ref.current.outbox = ref.current.outbox.filter((o) => o.clientMsgId !== cid);
      setOutbox(ref.current.outbox);
    },
  };
}

/**
 * useReadMarker marks the thread read, for this member only, while it is
 * on screen and the member has unread messages in it (the server's count).
 */
export function useReadMarker(id: number, messages: Message[]): void {
  const count = convUnread(useStore(unread), id);
  const last = messages.length ? messages[messages.length - 1].seq : 0;
  useEffect(() => {
    // A staff viewer reads without marking: the workspace's unread is its members' own.
    if (!last || !count || readOnly()) return;
    const mark = () => {
      if (document.visibilityState !== "visible") return;
      if (live.online) live.request("read", { conversation_id: id, seq: last }).catch(() => {});
      else
        post<ReadState>(`/conversations/${id}/read`, { seq: last })
          .then(applyRead)
          .catch(() => {});
    };
    const timer = setTimeout(mark, 300);
    document.addEventListener("visibilitychange", mark);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", mark);
    };
  }, [id, last, count]);
}

/**
 * useViewing tells the other agents this member looks at the conversation,
 * again every 30 s (viewers not heard from for a minute are forgotten);
 * the server answers with who is already there and says when they leave.
 */
export function useViewing(id: number): void {
  useEffect(() => {
    if (readOnly()) return; // staff viewers are not among the workspace's agents
    const say = (on: boolean) => live.notify("viewing", { conversation_id: id, viewing: on });
    say(true);
    const timer = setInterval(() => say(true), 30000);
    // After a reconnect the new socket views nothing: say it again.
    const off = live.state.subscribe(() => live.state.value === "online" && say(true));
    return () => {
      clearInterval(timer);
      off();
      say(false);
    };
  }, [id]);
}
