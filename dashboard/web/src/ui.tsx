// Small shared pieces: forms, errors, copy buttons, dates.
import type { ComponentChildren, JSX } from "preact";
import { useState } from "preact/hooks";
import { ApiError } from "./api";
import { lang, t } from "./i18n";

/** errorText is what to tell the user about a failed call. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return t("err.network");
    if (e.missing) return t("err.missing");
    if (e.status === 429) return e.message || t("err.rateLimited");
    if (e.status >= 500) return t("err.server");
    return e.message || t("err.generic");
  }
  return t("err.generic");
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert" data-testid="error">
      {errorText(error)}
    </p>
  );
}

/** Missing says an endpoint is not on this server yet. */
export function Missing({ what }: { what: string }) {
  return (
    <p class="muted" data-testid="missing">
      {t("err.missingFeature", { what })}
    </p>
  );
}

export function Field(props: { label: string; hint?: string; children: ComponentChildren; class?: string }) {
  return (
    <label class={"field " + (props.class || "")}>
      <span class="label">{props.label}</span>
      {props.children}
      {props.hint && <span class="hint">{props.hint}</span>}
    </label>
  );
}

export function Switch(props: { label: string; checked: boolean; onChange: (v: boolean) => void; testid?: string; disabled?: boolean }) {
  return (
    <label class="switch">
      <input
        type="checkbox"
        role="switch"
        checked={props.checked}
        disabled={props.disabled}
        data-testid={props.testid}
        onChange={(e) => props.onChange((e.target as HTMLInputElement).checked)}
      />
      <span>{props.label}</span>
    </label>
  );
}

export function CopyButton({ text, label, testid }: { text: string; label?: string; testid?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="small"
      data-testid={testid}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
        } catch (e) {
          // Without clipboard access (plain http), select-and-copy is the fallback.
          const ta = document.createElement("textarea");
          ta.value = text;
          document.body.append(ta);
          ta.select();
          document.execCommand("copy");
          ta.remove();
        }
        setDone(true);
        setTimeout(() => setDone(false), 1500);
      }}
    >
      {done ? t("common.copied") : label || t("common.copy")}
    </button>
  );
}

function locale(): string {
  return lang.value === "ru" ? "ru-RU" : "en-GB";
}

export function fmtDateTime(s: string | undefined | null): string {
  if (!s) return "";
  const d = new Date(s);
  if (isNaN(d.getTime())) return "";
  return d.toLocaleString(locale(), { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

export function fmtTime(s: string | undefined | null): string {
  if (!s) return "";
  const d = new Date(s);
  return isNaN(d.getTime()) ? "" : d.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
}

/** fmtAgo is a short relative time: "5 min", "3 h", or the date. */
export function fmtAgo(s: string | undefined | null): string {
  if (!s) return "";
  const d = new Date(s).getTime();
  if (isNaN(d)) return "";
  const min = Math.round((Date.now() - d) / 60000);
  if (min < 1) return t("time.now");
  if (min < 60) return t("time.min", { n: min });
  if (min < 60 * 24) return t("time.h", { n: Math.round(min / 60) });
  return new Date(s).toLocaleDateString(locale(), { day: "numeric", month: "short" });
}

export function fmtDuration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !isFinite(sec)) return "—";
  if (sec < 60) return t("dur.s", { n: Math.round(sec) });
  if (sec < 3600) return t("dur.m", { n: Math.round(sec / 60) });
  if (sec < 86400 * 2) return t("dur.h", { n: Math.round((sec / 3600) * 10) / 10 });
  return t("dur.d", { n: Math.round((sec / 86400) * 10) / 10 });
}

export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren; testid?: string }) {
  return (
    <div class="overlay" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-label={props.title} data-testid={props.testid}>
        <header>
          <h2>{props.title}</h2>
          <button type="button" class="icon" aria-label={t("common.close")} onClick={props.onClose}>
            ×
          </button>
        </header>
        {props.children}
      </div>
    </div>
  );
}

export type InputEvent = JSX.TargetedEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, Event>;
export const val = (e: InputEvent) => (e.target as HTMLInputElement).value;
