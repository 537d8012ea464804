// Types shared by the loader (the customer's page) and the frame (the hub's
// origin). Type-only: nothing here reaches either bundle.

/** Appearance of the widget, from the site's settings. */
export interface Appearance {
  color?: string;
  position?: "right" | "left";
  greeting?: string;
  launcher_label?: string;
  assistant_name?: string;
  assistant_avatar?: string;
  agent_avatar?: string;
}

/** The answer of GET /api/v1/sdk/chat/config. */
export interface ChatConfig {
  site: string;
  name: string;
  locale: "en" | "ru" | "";
  verified_only: boolean;
  tickets_enabled: boolean;
  appearance?: Appearance;
}

/**
 * A conversation as its visitor sees it (hub.VisitorConversation): POST
 * /api/v1/sdk/visitors reports the newest, the websocket's conversations
 * frame lists them, conversation.updated and subscribed carry one.
 */
export interface VisitorConversation {
  id: number;
  /** "open", "resolved" or "closed"; "" while not known yet. */
  status: string;
  last_seq: number;
  unread: number;
  version: number;
  /** The start of the newest message, and who wrote it. */
  preview: string;
  preview_author?: string;
  last_message_at: string;
  created_at: string;
}

/** A message as a visitor's websocket delivers it (docs/protocol.md). */
export interface Message {
  id?: number;
  conversation_id?: number;
  seq?: number;
  author_kind: "visitor" | "agent" | "assistant" | "system" | string;
  author_name?: string;
  body: string;
  status_type?: string;
  client_msg_id?: string;
  /** The visitor's vote on an assistant message. */
  feedback?: "up" | "down" | "";
  attachment?: Attachment;
  /** "email": the assistant asks for the visitor's email. */
  prompt?: string;
  created_at?: string;
}

/** A file sent in the conversation; path is its signed download path. */
export interface Attachment {
  id: number;
  name: string;
  content_type: string;
  size: number;
  path: string;
}

/**
 * What the loader posts to the frame. Every message carries parley: 1 and
 * is posted with targetOrigin = the hub's origin.
 */
export type ToFrame =
  | {
      type: "init";
      token: string;
      visitorId: number;
      conversation: VisitorConversation | null;
      locale: string;
      appearance: Appearance;
      parentOrigin: string;
      name: string;
      /** The visitor's known email (identity or traits), for prefills. */
      email: string;
      tickets: boolean;
    }
  | { type: "open" }
  | { type: "close" }
  | { type: "token"; token: string; email: string }
  | { type: "locale"; locale: string }
  | { type: "prefill"; text: string };

/**
 * What the frame posts to the loader, with targetOrigin = the parent's
 * origin. "reauth" asks for a fresh visitor token (the old one was refused).
 */
export type FromFrame =
  | { type: "ready" }
  | { type: "unread"; count: number }
  | { type: "message"; message: Message }
  | { type: "close" }
  | { type: "reauth" };
