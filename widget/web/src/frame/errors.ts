// What the visitor reads when one of their actions fails: one sentence or
// two in their language, saying what happened and what to do next. Built
// from the server's stable error code and reason (docs/protocol.md
// "Errors"; hub.Reason*), never from its English message.
import type { Strings } from "./i18n";

/** The visitor's action that failed; it names what failed when the code alone cannot. */
export type Action = "send" | "upload" | "vote" | "ticket" | "load";

/** Codes the frame itself reports, beside the server's. */
export const OFFLINE = "offline"; // the socket closed before the reply
export const TIMEOUT = "timeout"; // no reply in time

/** Problem is the code and reason of a failure, from a websocket error frame or an HTTP problem body. */
export interface Problem {
  code: string;
  reason?: string;
}

/** errorText is the localized text of a failed action. Every code, known or not, gets a next step. */
export function errorText(t: Strings, action: Action, p: Problem): string {
  if (chatOff(p.reason)) return offText(t, p.reason!);
  switch (p.reason) {
    case "conversation_closed":
      return t.eClosed;
    case "ticket_done":
      return t.eTicketDone;
    case "body_empty":
      return t.eBodyEmpty;
    case "body_too_long":
      return t.eBodyTooLong;
    case "file_empty":
      return t.eFileEmpty;
    case "file_too_large":
      return t.tooBig;
    case "file_type":
      return t.eFileType;
    case "email_invalid":
      return t.badEmail;
    case "subject_invalid":
      return t.eSubject;
  }
  switch (p.code) {
    case OFFLINE:
      return t.offline;
    case TIMEOUT:
      return t.eTimeout;
    case "rate_limited":
      return t.eRate;
    case "unavailable":
    case "internal":
      return t.eServer;
    case "unauthorized":
      return t.eSession;
    case "forbidden":
      return t.eChatOff;
    case "not_found":
      return t.eNotFound;
    case "conflict":
      return t.eConflict;
  }
  const failed = { send: t.failSend, upload: t.failUpload, vote: t.failVote, ticket: t.failTicket, load: t.failLoad }[action];
  // invalid without a known reason: what to check; bad_frame, unknown_type,
  // a code of a later protocol or none at all: start afresh.
  const fixes: Partial<Record<Action, string>> = { send: t.fixSend, upload: t.fixUpload, ticket: t.fixTicket };
  return failed + " " + ((p.code === "invalid" && fixes[action]) || t.eReload);
}

/** chatOff reports whether reason is a gate's (hub.IsGateReason): the chat is closed to the visitor (close 4003, or a refused frame or upload). */
export function chatOff(reason?: string): boolean {
  return /^(SITE_NOT_MAPPED|FEATURE_LOCKED|WIDGET_DISABLED|WIDGET_PAUSED|verified_only)$/.test(reason || "");
}

/** offText says why the chat is closed to the visitor, from the gate's reason: paused, for signed-in customers, or not available. */
export function offText(t: Strings, reason: string): string {
  return reason === "verified_only" ? t.eVerifiedOnly : reason === "WIDGET_PAUSED" ? t.ePaused : t.eChatOff;
}

/** httpProblem reads an HTTP answer's problem body; a body without a code gets one from the status. */
export function httpProblem(status: number, body: any): Problem {
  if (body && typeof body.code === "string" && body.code) return { code: body.code, reason: body.reason || "" };
  const code =
    status === 400 ? "invalid"
    : status === 401 ? "unauthorized"
    : status === 403 ? "forbidden"
    : status === 404 ? "not_found"
    : status === 409 ? "conflict"
    : status === 413 ? "invalid"
    : status === 429 ? "rate_limited"
    : status >= 500 ? "unavailable"
    : "";
  return { code, reason: status === 413 ? "file_too_large" : "" };
}
