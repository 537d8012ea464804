// Wire types of docs/api.md and docs/protocol.md. Fields the server may not
// send yet are optional.

export interface ProblemJSON {
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  request_id?: string;
}

export type Role = "owner" | "admin" | "agent";

export interface Member {
  id: number;
  tenant_id?: number;
  email: string;
  name: string;
  role: Role;
  locale?: string;
  online?: boolean;
  /** staff: a member of the platform's team (GET /me). */
  staff?: boolean;
  /** viewing_workspace: the workspace a staff member views read-only. */
  viewing_workspace?: number;
  /** workspace: the one the member acts in, with its plan and what it includes (GET /me; plan.tsx). */
  workspace?: { id: number; name: string; plan: string; features: string[] };
  /** plans: every plan, smallest first, with what it includes (GET /me, hub.Plans; plan.tsx). */
  plans?: Plan[];
  /** max_attachment_bytes: the largest file a conversation takes (GET /me, hub.MaxAttachmentBytes). */
  max_attachment_bytes?: number;
}

export interface Plan {
  plan: string;
  name: string;
  features: string[];
}

export interface Page<T> {
  items: T[];
  next?: string;
}

export interface Visitor {
  id: number;
  anonymous_id?: string;
  external_id?: string;
  email?: string;
  name?: string;
  traits?: Record<string, unknown> | null;
  locale?: string;
  country?: string;
  device?: string;
  current_page?: string;
  first_seen?: string;
  last_seen?: string;
}

export interface Conversation {
  id: number;
  site_id: number;
  visitor_id: number;
  status: string;
  owner?: string;
  handoff?: string;
  handoff_reason?: string;
  assignee_id?: number;
  ticket_id?: number;
  /** escalated: the visitor opened a ticket through the downvote flow (kept when a later ticket replaces it). */
  escalated?: boolean;
  last_seq: number;
  /** The team's marker: what no member has read yet. Never a badge (each member's own is `unread`). */
  agent_read_seq?: number;
  unread_by_agents?: number;
  unread_by_visitor?: number;
  /** REST only (lists and GET /conversations/:id): the calling member's own unread count, at their unread version. */
  unread?: number;
  unread_version?: number;
  version: number;
  last_message_at?: string;
  created_at?: string;
  visitor?: Visitor;
  feedback_up?: number;
  feedback_down?: number;
  /** preview is the start of the newest message both sides see; preview_author who wrote it. */
  preview?: string;
  preview_author?: string;
}

/** A member's badges (GET /unread, unread events, read.ok): their own unread in each view. */
export interface UnreadTotals {
  conversations: number;
  tickets: number;
  my_tickets: number;
}

/** MemberUnread is an agent's unread event: their count of one conversation and their badges, at their version. */
export interface MemberUnread {
  member_id: number;
  conversation_id: number;
  count: number;
  totals: UnreadTotals;
  version: number;
}

export type TicketStatus = "open" | "in_progress" | "on_customer" | "resolved" | "closed";
export type TicketPriority = "low" | "normal" | "high" | "urgent";

export interface Ticket {
  id: number;
  ref?: string;
  number: number;
  subject: string;
  summary?: string;
  requester_email: string;
  status: TicketStatus;
  priority?: TicketPriority;
  assignee_id?: number;
  source?: string;
  conversation_id?: number;
  site_id?: number;
  resolved_at?: string | null;
  resolved_by?: number;
  /** REST only, while this is its conversation's current ticket: the calling member's unread count of it. */
  unread?: number;
  unread_version?: number;
  last_activity_at?: string;
  version: number;
  created_at?: string;
  updated_at?: string;
  visitor?: Visitor;
  conversation?: Conversation;
  /** Support tickets (staff): the queue, the request type, the response target. */
  queue?: SupportQueue;
  request_type?: RequestType;
  due_at?: string | null;
  follows_ticket_id?: number;
  requester_tenant_id?: number;
  /** workspace is the workspace that asked (support tickets, in the detail). */
  workspace?: { id: number; name: string };
}

export type SupportQueue = "support" | "ai_review";
export type RequestType = "critical" | "question" | "feature" | "review";

/** SupportTicket is a support ticket as its workspace sees it. */
export interface SupportTicket {
  id: number;
  ref: string;
  subject: string;
  status: "on_customer" | "done";
  queue: SupportQueue;
  request_type: RequestType;
  priority: string;
  unread: number;
  conversation_id: number;
  follows_ticket_id?: number;
  due_at?: string | null;
  last_activity_at: string;
  created_at: string;
}

export interface SupportAccess {
  open: boolean;
  until?: string | null;
}

/** SupportViewKind is what a staff viewer looked at (hub.SupportViewKind). */
export type SupportViewKind =
  | "live"
  | "account"
  | "conversations"
  | "conversation"
  | "tickets"
  | "ticket"
  | "sites"
  | "site"
  | "knowledge"
  | "knowledge_entry"
  | "canned_responses"
  | "canned_response"
  | "reports"
  | "visitor"
  | "team"
  | "support"
  | "other";

export interface AuditEntry {
  id: number;
  actor_kind: string;
  actor_id?: number;
  action: string;
  subject: string;
  data?: any;
  created_at: string;
}

export interface Workspace {
  id: number;
  name: string;
  until?: string | null;
  /** plan: in the staff's plan list (GET /staff/plans). */
  plan?: string;
}

export interface ToolUse {
  name: string;
  input?: string;
  result?: string;
}

/** KBSource is a knowledge-base entry the assistant considered (hub.KBSource). */
export interface KBSource {
  entry_id: number;
  title: string;
  score: number;
  used: boolean;
  /** On the model path: the word match (0 to 1) and the meaning match (cosine) fused into score. */
  lexical?: number;
  semantic?: number;
  terms?: KBTerm[];
}

/** KBTerm is a question's word as weighed against an entry (hub.KBTerm). */
export interface KBTerm {
  word: string;
  weight: number;
  in?: "title" | "body";
  via?: "word" | "typo" | "synonym";
}

export interface DecisionTrace {
  language: string;
  provider: string;
  fallback?: string;
  tools?: ToolUse[];
  sources?: KBSource[];
  answer_source?: string;
  intent?: string;
  decision: string;
}

export interface ReviewContext {
  message_id: number;
  conversation_id: number;
  question: string;
  answer: string;
  trace: DecisionTrace | null;
  instructions: string;
  tools: string[];
  site_name: string;
}

export interface Attachment {
  id: number;
  name: string;
  content_type?: string;
  size?: number;
  path: string;
}

export interface Message {
  id: number;
  conversation_id: number;
  seq: number;
  author_kind: "visitor" | "agent" | "assistant" | "system";
  author_id?: number;
  author_name?: string;
  body: string;
  status_type?: string;
  internal?: boolean;
  client_msg_id?: string;
  feedback?: string;
  attachment?: Attachment;
  prompt?: string;
  trace?: unknown;
  created_at: string;
}

export interface Appearance {
  color: string;
  position: string;
  greeting: string;
  launcher_label: string;
  assistant_name?: string;
  assistant_avatar?: string;
  agent_avatar?: string;
}

export interface Handoff {
  disabled?: boolean;
  out_of_hours_message?: string;
  hours: { time_zone?: string; start?: string; end?: string; days?: number[] };
}

export interface Site {
  id: number;
  key: string;
  name: string;
  allowed_origins: string[];
  verified_only: boolean;
  widget_enabled: boolean;
  paused: boolean;
  tickets_enabled: boolean;
  support_email: string;
  assistant_enabled: boolean;
  instructions: string;
  instructions_warning?: string;
  default_locale: string;
  appearance: Appearance;
  handoff: Handoff;
  /** synonyms are the owner's own synonym groups (hub.Site.Synonyms), lower-cased. */
  synonyms: string[][];
  /** knowledge_version grows with every change of the knowledge base and of synonyms. */
  knowledge_version: number;
  /** snippet is the HTML to paste into the site's pages (the server's widget.Snippet, its one copy). */
  snippet: string;
  identity_secret?: string;
}

export interface KnowledgeEntry {
  id: number;
  site_id: number;
  kind: "qa" | "article";
  title: string;
  body: string;
  /** language is the entry's language, detected by the server when sent empty. */
  language: "en" | "ru";
  /** phrasings are other ways visitors ask it ("also asked as"). */
  phrasings: string[];
  /** translation_of is the entry of the same site this one translates; absent for none. */
  translation_of?: number;
}

export interface Canned {
  id: number;
  title: string;
  body: string;
}

/** Scope is what a workspace API token may do (hub/apitoken.go). */
export type Scope = "read" | "write" | "admin";

/** APIToken is a workspace API token as listed; its secret is in the answer that created it only. */
export interface APIToken {
  id: number;
  name: string;
  scope: Scope;
  hint: string;
  created_by: number;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

export interface Invite {
  id: number;
  email: string;
  role: Role;
  expires_at?: string;
}

export interface ReportDay {
  date: string;
  conversations: number;
  tickets_opened: number;
  tickets_resolved: number;
  thumbs_up: number;
  thumbs_down: number;
}

export interface Report {
  days: ReportDay[];
  median_first_response_seconds?: number | null;
  median_first_agent_response_seconds?: number | null;
  median_resolution_seconds?: number | null;
  /** visitor_conversations and assistant_resolved are the two counts behind the share (hub/report.go). */
  visitor_conversations: number;
  assistant_resolved: number;
  assistant_resolved_share?: number | null;
}
