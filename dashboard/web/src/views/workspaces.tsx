// Workspaces (staff only): the workspaces whose owners have opened
// support access, and "View read-only", which shows the dashboard as that
// workspace sees it until Leave (or until its access closes); and every
// customer's workspace with its plan, which staff set here (plans need no
// support access: they are the platform's business, and show nothing of
// the workspace).
import { useEffect, useState } from "preact/hooks";
import { api, getOwn } from "../api";
import { me } from "../data";
import { t } from "../i18n";
import { planName } from "../plan";
import { useStore } from "../store";
import type { Page, Workspace } from "../types";
import { ErrorBox, fmtDateTime, usePaged } from "../ui";
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
      <Plans />
    </div>
  );
}

/** Plans lists every customer's workspace with a plan select, newest first. */
function Plans() {
  const plans = useStore(me)?.plans || [];
  const { list: items, setList: setItems, ref, next, error: loadError, load } = usePaged(
    (before) => getOwn<Page<Workspace>>("/staff/plans" + (before ? "?before=" + before : "")),
    (items) => items,
  );
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState("");
  useEffect(() => {
    load();
  }, []);
  const setPlan = async (w: Workspace, plan: string) => {
    setError(null);
    setSaved("");
    try {
      const u = await api<Workspace>("PUT", `/staff/workspaces/${w.id}/plan`, { plan }, true); // as the staff member, not a viewer
      setItems(ref.current.map((x) => (x.id === w.id ? { ...x, plan: u.plan } : x)));
      setSaved(t("ws.planSaved", { name: w.name, plan: planName(u.plan || plan) }));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="card" data-testid="plans">
      <h2>{t("ws.plans")}</h2>
      <p class="hint">{t("ws.plansHint")}</p>
      <ErrorBox error={error || loadError} />
      {saved && (
        <p class="ok" role="status" data-testid="plan-saved">
          {saved}
        </p>
      )}
      <ul class="plain-list">
        {items.map((w) => (
          <li data-testid="plan-row" data-id={w.id}>
            <strong>{w.name}</strong>
            <select class="push" aria-label={t("ws.planOf", { name: w.name })} value={w.plan} onChange={(e) => setPlan(w, (e.target as HTMLSelectElement).value)} data-testid="plan-select">
              {plans.map((p) => (
                <option value={p.plan}>{p.name}</option>
              ))}
            </select>
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" onClick={() => load(next)}>
          {t("ws.more")}
        </button>
      )}
    </section>
  );
}
