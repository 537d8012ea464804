// The conversation lifecycle as agents act on it (docs/architecture.md
// "Conversation lifecycle"; the rules are the hub's): a conversation's
// status and its Resolve / Close / Reopen actions, and what staff see of a
// support ticket, whose Done is final.
import { useState } from "preact/hooks";
import { patch } from "../api";
import { applyConv, readOnly } from "../data";
import { t } from "../i18n";
import type { Conversation, Ticket } from "../types";
import { ErrorBox } from "../ui";

/** ConvStatusBadge shows a conversation's status when it is not open. */
export function ConvStatusBadge({ status }: { status?: string }) {
  if (!status || status === "open") return null;
  return (
    <span class={"badge status-" + status} data-testid="conv-status" data-status={status}>
      {t(("status." + status) as any)}
    </span>
  );
}

/** ConvStatusActions resolves, closes or reopens a conversation (through its ticket when it has one). */
export function ConvStatusActions({ c }: { c: Conversation }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (readOnly()) return null;
  const set = async (status: string) => {
    setBusy(true);
    setError(null);
    try {
      applyConv(await patch<Conversation>("/conversations/" + c.id, { status }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  // Every status but the current one: agents choose any at any time, and
  // the hub refuses what its rules forbid (a Done support ticket's), which
  // the error box then says.
  const next = ["resolved", "closed", "open"].filter((s) => s !== c.status);
  return (
    <>
      {next.map((s) => (
        <button type="button" onClick={() => set(s)} disabled={busy} data-testid={"conv-" + (s === "open" ? "reopen" : s === "resolved" ? "resolve" : "close")}>
          {t(s === "open" ? "lifecycle.reopen" : s === "resolved" ? "lifecycle.resolve" : "lifecycle.close")}
        </button>
      ))}
      <ErrorBox error={error} />
    </>
  );
}

/** ClosedNote says, above the composer, that the visitor can no longer write here. */
export function ClosedNote({ c }: { c?: Conversation }) {
  if (!c || c.status !== "closed") return null;
  return (
    <p class="muted closed-note" data-testid="conv-closed-note">
      {t("lifecycle.closedNote")}
    </p>
  );
}

/** isDone: a support ticket that is Done (resolved or closed), which is final. */
export const isDone = (tk: Ticket) => !!tk.queue && (tk.status === "resolved" || tk.status === "closed");

/** DoneNote stands where the composer is on a Done support ticket. */
export function DoneNote() {
  return (
    <p class="muted done-note" data-testid="done-note">
      {t("support.doneFinal")}
    </p>
  );
}

/** WorkspaceCard is what staff see of a support ticket's requester, where a site's ticket shows its visitor. */
export function WorkspaceCard({ tk }: { tk: Ticket }) {
  return (
    <section class="card" data-testid="workspace-info">
      <h2>{t("support.workspace")}</h2>
      <dl class="facts">
        <dt>{t("support.workspace")}</dt>
        <dd data-testid="workspace-name">{tk.workspace ? tk.workspace.name + " (#" + tk.workspace.id + ")" : "#" + (tk.requester_tenant_id || "—")}</dd>
        <dt>{t("support.requester")}</dt>
        <dd>{tk.requester_email || "—"}</dd>
      </dl>
      <p class="hint">{t("support.staffHint")}</p>
    </section>
  );
}
