// The Builder (004): where a site's widget is created, published, paused
// and removed, and how it looks. A customer's page whose chat is off names
// it in its console ("… in Settings → Sites → <site> → Builder",
// hub.Gate.Fix). A plan without the widget shows it locked (plan.tsx).
import { useState } from "preact/hooks";
import { t } from "../i18n";
import { hasFeature, Locked } from "../plan";
import { useStore } from "../store";
import { me } from "../data";
import type { Appearance, Site } from "../types";
import { ErrorBox, Field, val } from "../ui";
import { Card, type CardProps, SaveRow, useSave } from "./cards";

/** widgetState is where the site's widget stands: none, paused (not published) or live. */
export function widgetState(site: Site): "none" | "paused" | "live" {
  return !site.widget_enabled ? "none" : site.paused ? "paused" : "live";
}

export function Builder(props: CardProps) {
  return (
    <div class="cards" data-testid="builder">
      <WidgetCard {...props} />
      <AppearanceCard {...props} />
    </div>
  );
}

/** WidgetCard creates, publishes, pauses and removes the widget. A new widget starts paused: look at it, then Publish. */
function WidgetCard({ site, save, manager }: CardProps) {
  const mine = useStore(me);
  const [busy, error, , run] = useSave();
  const [locale, setLocale] = useState(site.default_locale || "");
  const state = widgetState(site);
  const locked = !hasFeature("widget", mine);
  // A plan without the widget keeps a published widget off all the same.
  const text = { none: t("builder.noneText"), paused: t("builder.pausedText"), live: t(locked ? "builder.liveLocked" : "builder.liveText") }[state];
  return (
    <Card title={t("builder.widget")} testid="widget-card">
      <Locked feature="widget" />
      <p data-testid="widget-state" data-state={state} data-locked={locked ? "1" : "0"}>
        <span class={"badge state-" + (locked && state === "live" ? "locked" : state)}>
          {t(locked && state === "live" ? "builder.state.published" : (("builder.state." + state) as any))}
        </span>{" "}
        {text}
      </p>
      {manager && (
        <div class="row-actions">
          {state === "none" && (
            <button type="button" class="primary" disabled={busy} onClick={() => run(() => save({ widget_enabled: true, paused: true }))} data-testid="widget-create">
              {t("builder.create")}
            </button>
          )}
          {state === "paused" && (
            <button type="button" class="primary" disabled={busy} onClick={() => run(() => save({ paused: false }))} data-testid="widget-publish">
              {t("sites.publish")}
            </button>
          )}
          {state === "live" && (
            <button type="button" disabled={busy} onClick={() => run(() => save({ paused: true }))} data-testid="widget-pause">
              {t("sites.pause")}
            </button>
          )}
          {state !== "none" && (
            <button
              type="button"
              class="danger"
              disabled={busy}
              onClick={() => confirm(t("builder.removeConfirm")) && run(() => save({ widget_enabled: false }))}
              data-testid="widget-remove"
            >
              {t("builder.remove")}
            </button>
          )}
        </div>
      )}
      <Field label={t("sites.defaultLanguage")}>
        <select
          value={locale}
          disabled={!manager}
          onChange={(e) => {
            const v = val(e);
            setLocale(v);
            run(() => save({ default_locale: v }));
          }}
        >
          <option value="">{t("lang.auto")}</option>
          <option value="en">English</option>
          <option value="ru">Русский</option>
        </select>
      </Field>
      <ErrorBox error={error} />
    </Card>
  );
}

function AppearanceCard({ site, save, manager }: CardProps) {
  const [a, setA] = useState<Appearance>({ ...site.appearance });
  const [busy, error, saved, run] = useSave();
  const set = (k: keyof Appearance) => (e: any) => setA({ ...a, [k]: val(e) });
  return (
    <Card title={t("sites.appearance")} testid="appearance-card">
      <div class="grid2">
        <Field label={t("sites.color")}>
          <span class="color-row">
            <input type="color" value={a.color} disabled={!manager} onInput={set("color")} />
            <input class="mono" value={a.color} disabled={!manager} onInput={set("color")} size={8} />
          </span>
        </Field>
        <Field label={t("sites.position")}>
          <select value={a.position} disabled={!manager} onChange={set("position")}>
            <option value="right">{t("sites.right")}</option>
            <option value="left">{t("sites.left")}</option>
          </select>
        </Field>
        <Field label={t("sites.launcherLabel")}>
          <input value={a.launcher_label} maxLength={40} disabled={!manager} onInput={set("launcher_label")} />
        </Field>
        <Field label={t("sites.assistantName")}>
          <input value={a.assistant_name || ""} maxLength={40} disabled={!manager} onInput={set("assistant_name")} />
        </Field>
        <Field label={t("sites.assistantAvatar")} hint={t("sites.avatarHint")}>
          <input type="url" value={a.assistant_avatar || ""} disabled={!manager} onInput={set("assistant_avatar")} />
        </Field>
        <Field label={t("sites.agentAvatar")} hint={t("sites.avatarHint")}>
          <input type="url" value={a.agent_avatar || ""} disabled={!manager} onInput={set("agent_avatar")} />
        </Field>
      </div>
      <Field label={t("sites.greeting")}>
        <textarea rows={2} maxLength={500} value={a.greeting} disabled={!manager} onInput={set("greeting")} />
      </Field>
      <div class="preview" aria-hidden="true">
        <span class="preview-launcher" style={{ background: /^#[0-9a-f]{6}$/i.test(a.color) ? a.color : "#4F46E5", [a.position === "left" ? "left" : "right"]: "8px" }}>
          {a.launcher_label || "💬"}
        </span>
      </div>
      {manager && <SaveRow busy={busy} error={error} saved={saved} onSave={() => run(() => save({ appearance: a }))} />}
    </Card>
  );
}
