// Small shared pieces: forms, errors, copy buttons, dates, dialogs.
import type { ComponentChildren, JSX, RefObject } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";
import { lang, t } from "./i18n";
import type { Page } from "./types";

/**
 * useLatestLoad keeps a list's answers in order: each load calls the
 * returned function first and gets a check that stays true until a later
 * load begins, so the answer to an earlier filter that arrives late is
 * dropped rather than shown under the new one (TestBrowserSupport's
 * filter clicks).
 */
export function useLatestLoad(): () => () => boolean {
  const gen = useRef(0);
  return () => {
    const mine = ++gen.current;
    return () => gen.current === mine;
  };
}

/** MAX_FILTER_IDS is how many ids a list's ids= filter takes (hub.MaxFilterIDs, docs/api.md "Tickets"). */
const MAX_FILTER_IDS = 100;

/** LiveCheck asks the server about ids that changed live (liveCheck). */
export interface LiveCheck {
  add: (id: number) => void;
  stop: () => void;
}

/**
 * liveCheck asks the server which ids that changed live belong in a list:
 * ask fetches the list's own query with ids= (at most 100 at a time, what
 * changes within a moment together), and found gets the ids asked and the
 * items the server returned. The list then shows what a reload would: what
 * its filter and search mean stays the server's (docs/api.md "Tickets").
 * A failed ask is dropped; the next change or a resync catches up.
 */
export function liveCheck<T extends { id: number }>(ask: (ids: number[]) => Promise<Page<T>>, found: (asked: number[], items: T[]) => void): LiveCheck {
  const pending = new Set<number>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const run = async () => {
    timer = undefined;
    const ids = [...pending].slice(0, MAX_FILTER_IDS);
    ids.forEach((id) => pending.delete(id));
    if (pending.size) timer = setTimeout(run, 0);
    try {
      const p = await ask(ids);
      if (!stopped) found(ids, p.items || []);
    } catch {
      // dropped: see above
    }
  };
  return {
    add: (id) => {
      pending.add(id);
      if (!timer && !stopped) timer = setTimeout(run, 100);
    },
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** Paged is a list read a page at a time (usePaged). */
export interface Paged<K> {
  /** list is what the list holds, in the API's order. */
  list: K[];
  setList: (l: K[]) => void;
  /** ref.current is the list as last rendered, for callbacks that outlive a render. */
  ref: { current: K[] };
  /** next is the cursor of the following page, none on the last. */
  next?: string;
  loading: boolean;
  error: unknown;
  /** load reads the first page, or with before the page after that cursor ("Load more"). */
  load: (before?: string) => Promise<void>;
}

/**
 * usePaged reads a list a page at a time, following the API's next
 * cursor. page asks for one; keep turns its items into what the list
 * holds (the items, or the ids of items kept in a store); first, when
 * given, makes the list from a first page and what the list showed (to
 * keep items that arrived live). A later page joins the list without
 * repeats. The answer to a load that a later load overtook is dropped
 * (useLatestLoad).
 */
export function usePaged<T, K>(page: (before?: string) => Promise<Page<T>>, keep: (items: T[]) => K[], first = (got: K[], _shown: K[]) => got): Paged<K> {
  const [list, setList] = useState<K[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const ref = useRef<K[]>([]);
  ref.current = list;
  const begin = useLatestLoad();
  const load = async (before?: string) => {
    const current = begin();
    setLoading(true);
    setError(null);
    try {
      const p = await page(before);
      if (!current()) return;
      const got = keep(p.items || []);
      setList(before ? [...ref.current, ...got.filter((k) => !ref.current.includes(k))] : first(got, ref.current));
      setNext(p.next);
    } catch (e) {
      if (current()) setError(e);
    } finally {
      if (current()) setLoading(false);
    }
  };
  return { list, setList, ref, next, loading, error, load };
}

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

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]";

/** tabbable lists the elements of root that Tab reaches, in order. */
function tabbable(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.tabIndex >= 0 && el.getClientRects().length > 0);
}

/**
 * useFocusTrap keeps the keyboard inside a modal dialog while it is
 * mounted: focus moves in on open (an [autofocus] element, else the first
 * control below the header, else the close button), Tab and Shift+Tab cycle
 * within, Escape calls onClose, and on close focus goes back to the element
 * that had it when the dialog opened (the opener).
 */
export function useFocusTrap(ref: RefObject<HTMLElement>, onClose: () => void): void {
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const box = ref.current;
    if (!box) return;
    const opener = document.activeElement as HTMLElement | null;
    const all = tabbable(box);
    (box.querySelector<HTMLElement>("[autofocus]") || all.find((el) => !el.closest("header")) || all[0] || box).focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        // The dialog's own: the app's shortcuts behind it do not see it.
        e.preventDefault();
        e.stopPropagation();
        close.current();
        return;
      }
      if (e.key !== "Tab") return;
      const els = tabbable(box);
      const at = els.indexOf(document.activeElement as HTMLElement);
      if (!els.length) {
        e.preventDefault();
        box.focus();
      } else if (e.shiftKey && at <= 0) {
        e.preventDefault();
        els[els.length - 1].focus();
      } else if (!e.shiftKey && (at < 0 || at === els.length - 1)) {
        e.preventDefault();
        els[0].focus();
      }
    };
    // Focus moved out by other means (a click behind, a script) comes back.
    const onFocusIn = (e: FocusEvent) => {
      if (!box.contains(e.target as Node)) (tabbable(box)[0] || box).focus();
    };
    box.addEventListener("keydown", onKey);
    document.addEventListener("focusin", onFocusIn);
    return () => {
      box.removeEventListener("keydown", onKey);
      document.removeEventListener("focusin", onFocusIn);
      if (opener && opener.isConnected && opener !== document.body) opener.focus();
    };
  }, []);
}

/** Modal is the app's one dialog: modal, labelled by its title, with the focus trapped inside (useFocusTrap). */
export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren; testid?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useFocusTrap(box, props.onClose);
  return (
    <div class="overlay" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class="modal" ref={box} role="dialog" aria-modal="true" aria-labelledby={titleId} tabIndex={-1} data-testid={props.testid}>
        <header>
          <h2 id={titleId}>{props.title}</h2>
          <button type="button" class="icon" aria-label={t("common.close")} onClick={props.onClose} data-testid="modal-close">
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
