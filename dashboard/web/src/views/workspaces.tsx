// Workspaces (staff only): the workspaces whose owners have opened
// support access, and "View read-only", which shows the dashboard as that
// workspace sees it until Leave (or until its access closes).
import { useEffect, useState } from "preact/hooks";
import { getOwn } from "../api";
import { me } from "../data";
import { t } from "../i18n";
import { useStore } from "../store";
import type { Page, Workspace } from "../types";
import { ErrorBox, fmtDateTime } from "../ui";
import { enterView } from "../view";

/** REFRESH is how often the list is asked again: access opens and closes in other workspaces. */
const REFRESH = 10000;

export function WorkspacesView() {
  const mine = useStore(me);
  const [items, setItems] = useState<Workspace[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () =>
    getOwn<Page<Workspace>>("/staff/workspaces").then(
      (p) => {
        setItems(p.items || []);
        setError(null);
      },
      setError,
    );
  useEffect(() => {
    if (!mine?.staff) return;
    load();
    const timer = setInterval(() => document.visibilityState === "visible" && load(), REFRESH);
    return () => clearInterval(timer);
  }, [mine?.staff]);
  if (!mine?.staff) return <p class="muted pad">{t("ws.staffOnly")}</p>;
  return (
    <div class="settings" data-testid="workspaces">
      <header class="support-head">
        <h1>{t("nav.workspaces")}</h1>
        <button type="button" onClick={load} data-testid="workspaces-refresh">
          {t("ws.refresh")}
        </button>
      </header>
      <p class="hint">{t("ws.hint")}</p>
      <ErrorBox error={error} />
      {items && !items.length && (
        <p class="muted" data-testid="workspaces-empty">
          {t("ws.none")}
        </p>
      )}
      {items === null && !error && <p class="muted">{t("common.loading")}</p>}
      <ul class="plain-list" data-testid="workspace-list">
        {(items || []).map((w) => (
          <li data-testid="workspace" data-id={w.id}>
            <strong>{w.name}</strong>
            <span class="muted">{w.until ? t("ws.until", { when: fmtDateTime(w.until) }) : t("ws.untilOff")}</span>
            <button type="button" class="primary push" onClick={() => enterView({ id: w.id, name: w.name })} data-testid="view-workspace">
              {t("ws.view")}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
