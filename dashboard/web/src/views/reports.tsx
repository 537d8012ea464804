// Reports: conversations, tickets and thumbs per day as hand-written SVG
// charts, the medians and the assistant's share, a date range and a CSV link.
import { useEffect, useState } from "preact/hooks";
import { get, qs } from "../api";
import { readOnly } from "../data";
import { lang, t } from "../i18n";
import { loc, navigate } from "../router";
import { useStore } from "../store";
import type { Report, ReportDay } from "../types";
import { ErrorBox, fmtDuration } from "../ui";
import { useSites } from "./sites";

const day = (d: Date) => d.toISOString().slice(0, 10);

function defaults() {
  const to = new Date();
  const from = new Date(to.getTime() - 29 * 86400000);
  return { from: day(from), to: day(to) };
}

export function ReportsView() {
  const l = useStore(loc);
  useStore(lang);
  const d = defaults();
  const f = { site: l.query.get("site") || "", from: l.query.get("from") || d.from, to: l.query.get("to") || d.to };
  const [sites] = useSites();
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<unknown>(null);
  const query = qs(f);
  useEffect(() => {
    setError(null);
    get<Report>("/reports" + query).then(setReport, (e) => {
      setReport(null);
      setError(e);
    });
  }, [query]);
  const go = (g: Partial<typeof f>) => navigate("/reports" + qs({ ...f, ...g }));
  const days = report?.days || [];
  const sum = (k: keyof ReportDay) => days.reduce((n, x) => n + (x[k] as number), 0);
  const share = report?.assistant_resolved_share;
  return (
    <div class="reports" data-testid="reports">
      <header class="pane-head">
        <h1>{t("nav.reports")}</h1>
        <form class="conv-filters" onSubmit={(e) => e.preventDefault()}>
          {sites && sites.length > 1 && (
            <label>
              <span>{t("conv.site")}</span>
              <select value={f.site} onChange={(e) => go({ site: (e.target as HTMLSelectElement).value })}>
                <option value="">{t("reports.allSites")}</option>
                {sites.map((s) => (
                  <option value={String(s.id)}>{s.name}</option>
                ))}
              </select>
            </label>
          )}
          <label>
            <span>{t("conv.from")}</span>
            <input type="date" value={f.from} onChange={(e) => go({ from: (e.target as HTMLInputElement).value })} />
          </label>
          <label>
            <span>{t("conv.to")}</span>
            <input type="date" value={f.to} onChange={(e) => go({ to: (e.target as HTMLInputElement).value })} />
          </label>
          {/* A download link cannot name the workspace a staff member views. */}
          {!readOnly() && (
            <a class="button" href={"/api/v1/reports.csv" + query} download="parley-report.csv" data-testid="csv">
              {t("reports.csv")}
            </a>
          )}
        </form>
      </header>
      <ErrorBox error={error} />
      {report && (
        <>
          <div class="kpis">
            <Kpi label={t("reports.conversations")} value={String(sum("conversations"))} />
            <Kpi label={t("reports.firstResponse")} value={fmtDuration(report.median_first_response_seconds)} />
            {report.median_first_agent_response_seconds !== undefined && (
              <Kpi label={t("reports.firstAgentResponse")} value={fmtDuration(report.median_first_agent_response_seconds)} />
            )}
            <Kpi label={t("reports.resolution")} value={fmtDuration(report.median_resolution_seconds)} />
            {/* What "resolved by the assistant" means: hub/report.go, AssistantResolved. */}
            <Kpi
              label={t("reports.assistantShare")}
              value={share === null || share === undefined ? "—" : Math.round(share * 100) + "%"}
              ring={share ?? undefined}
              hint={t("reports.assistantShareHint", { n: report.assistant_resolved, total: report.visitor_conversations })}
              testid="kpi-assistant"
            />
          </div>
          <div class="charts">
            <Chart title={t("reports.conversationsPerDay")} days={days} series={[{ key: "conversations", label: t("reports.conversations"), cls: "s1" }]} />
            <Chart
              title={t("reports.ticketsPerDay")}
              days={days}
              series={[
                { key: "tickets_opened", label: t("reports.opened"), cls: "s2" },
                { key: "tickets_resolved", label: t("reports.resolved"), cls: "s3" },
              ]}
            />
            <Chart
              title={t("reports.thumbsPerDay")}
              days={days}
              stacked
              series={[
                { key: "thumbs_up", label: t("fb.up"), cls: "s3" },
                { key: "thumbs_down", label: t("fb.down"), cls: "s4" },
              ]}
            />
          </div>
        </>
      )}
    </div>
  );
}

function Kpi({ label, value, ring, hint, testid }: { label: string; value: string; ring?: number; hint?: string; testid?: string }) {
  const r = 16;
  const c = 2 * Math.PI * r;
  return (
    <div class={"kpi" + (hint ? " wide" : "")} data-testid={testid}>
      {ring !== undefined && (
        <svg viewBox="0 0 40 40" class="ring" aria-hidden="true">
          <circle cx="20" cy="20" r={r} class="ring-bg" />
          <circle cx="20" cy="20" r={r} class="ring-fg" stroke-dasharray={`${c * Math.max(0, Math.min(1, ring))} ${c}`} transform="rotate(-90 20 20)" />
        </svg>
      )}
      <div>
        <div class="kpi-value">{value}</div>
        <div class="kpi-label">{label}</div>
        {hint && (
          <p class="kpi-hint" data-testid="kpi-hint">
            {hint}
          </p>
        )}
      </div>
    </div>
  );
}

type Series = { key: keyof ReportDay; label: string; cls: string };

/** Chart draws bars per day: side by side, or stacked. */
function Chart({ title, days, series, stacked }: { title: string; days: ReportDay[]; series: Series[]; stacked?: boolean }) {
  const W = 600;
  const H = 180;
  const pad = { l: 28, r: 6, t: 8, b: 20 };
  const iw = W - pad.l - pad.r;
  const ih = H - pad.t - pad.b;
  const val = (d: ReportDay, s: Series) => (d[s.key] as number) || 0;
  const max = Math.max(1, ...days.map((d) => (stacked ? series.reduce((n, s) => n + val(d, s), 0) : Math.max(...series.map((s) => val(d, s))))));
  const step = days.length ? iw / days.length : iw;
  const bw = Math.max(1, step * 0.8) / (stacked ? 1 : series.length);
  const y = (v: number) => pad.t + ih - (v / max) * ih;
  const ticks = [0, Math.ceil(max / 2), max];
  const labelEvery = Math.max(1, Math.ceil(days.length / 8));
  const total = series.map((s) => days.reduce((n, d) => n + val(d, s), 0));
  return (
    <figure class="chart">
      <figcaption>
        <strong>{title}</strong>
        <span class="legend">
          {series.map((s, i) => (
            <span>
              <i class={"sw " + s.cls} /> {s.label}: {total[i]}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} preserveAspectRatio="none">
        {ticks.map((v) => (
          <g>
            <line x1={pad.l} x2={W - pad.r} y1={y(v)} y2={y(v)} class="grid" />
            <text x={pad.l - 4} y={y(v) + 3} class="axis" text-anchor="end">
              {v}
            </text>
          </g>
        ))}
        {days.map((d, i) => {
          const x0 = pad.l + i * step + step * 0.1;
          let acc = 0;
          return (
            <g>
              <title>{d.date + ": " + series.map((s) => s.label + " " + val(d, s)).join(", ")}</title>
              {series.map((s, j) => {
                const v = val(d, s);
                if (stacked) {
                  const top = y(acc + v);
                  const r = <rect x={x0} y={top} width={bw} height={y(acc) - top} class={s.cls} />;
                  acc += v;
                  return r;
                }
                return <rect x={x0 + j * bw} y={y(v)} width={bw} height={pad.t + ih - y(v)} class={s.cls} />;
              })}
              {i % labelEvery === 0 && (
                <text x={x0 + (step * 0.8) / 2} y={H - 6} class="axis" text-anchor="middle">
                  {d.date.slice(5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      {!days.length && <p class="muted">{t("reports.noData")}</p>}
    </figure>
  );
}
