// English and Russian. The language is the member's `locale`, else the one
// chosen on this browser, else the browser's; it can be switched anywhere.
//
// The texts live in strings/, one file per area of the app, each with its
// English and its Russian side by side; a key's prefix says its area.
import { patch } from "./api";
import { Store } from "./store";
import * as auth from "./strings/auth"; // auth
import * as common from "./strings/common"; // app, origin, common, err, time, dur, role
import * as conversations from "./strings/conversations"; // conv, handoff, visitor
import * as plans from "./strings/plans"; // plan, builder
import * as reports from "./strings/reports"; // reports
import * as review from "./strings/review"; // review
import * as settings from "./strings/settings"; // settings, sites, lang, day, kb, team, canned, tokens, profile
import * as shell from "./strings/shell"; // nav, shell, live, notify, keys
import * as support from "./strings/support"; // support, request
import * as thread from "./strings/thread"; // label, thread, trace, fb
import * as tickets from "./strings/tickets"; // filter, status, priority, tickets, queue, sort, due, lifecycle
import * as workspaces from "./strings/workspaces"; // ws, view

// Each area's ru has exactly its en's keys (its type says so), so every key
// exists in both languages.
const areas = [common, auth, shell, tickets, thread, conversations, settings, reports, support, review, workspaces, plans] as const;
type Area = (typeof areas)[number];
type KeysOf<T> = T extends unknown ? keyof T : never;

export type Key = KeysOf<Area["en"]>;

// Clash is a key that two areas both define, never when there is none: the
// join below would keep only one of the two, so a clash fails the type check.
type Clash<T extends readonly Area[]> = T extends readonly [infer H extends Area, ...infer R extends readonly Area[]] ? (keyof H["en"] & KeysOf<R[number]["en"]>) | Clash<R> : never;
true satisfies [Clash<typeof areas>] extends [never] ? true : Clash<typeof areas>;

const join = (dicts: Record<string, string>[]) => Object.assign({}, ...dicts) as Record<Key, string>;
const EN = join(areas.map((a) => a.en));
const RU = join(areas.map((a) => a.ru));

export type Lang = "en" | "ru";
export const LANGS: [Lang, string][] = [
  ["en", "English"],
  ["ru", "Русский"],
];

const norm = (s: string | null | undefined): Lang | "" => (s ? (s.toLowerCase().startsWith("ru") ? "ru" : s.toLowerCase().startsWith("en") ? "en" : "") : "");

function browserLang(): Lang {
  for (const l of navigator.languages || [navigator.language]) {
    const n = norm(l);
    if (n) return n;
  }
  return "en";
}

const stored = () => norm(localStorage.getItem("parley.lang"));

export const lang = new Store<Lang>(stored() || browserLang());
lang.subscribe(() => (document.documentElement.lang = lang.value));
document.documentElement.lang = lang.value;

/** initLang applies the member's locale once signed in. */
export function initLang(memberLocale: string | undefined): void {
  lang.set(norm(memberLocale) || stored() || browserLang());
}

/** setLang switches the language; save also stores it as the member's locale. */
export function setLang(l: Lang, save: boolean): void {
  localStorage.setItem("parley.lang", l);
  lang.set(l);
  if (save) patch("/me", { locale: l }).catch(() => {});
}

/** t translates key, filling {name} placeholders from vars. */
export function t(key: Key, vars?: Record<string, string | number>): string {
  let s = (lang.value === "ru" ? RU : EN)[key] ?? EN[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.split("{" + k + "}").join(String(v));
  return s;
}

/** LangSwitch is the language picker; save also stores it on the member. */
export function LangSwitch({ save }: { save?: boolean }) {
  return (
    <select aria-label="Language / Язык" data-testid="lang-switch" value={lang.value} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang, !!save)}>
      {LANGS.map(([k, label]) => (
        <option value={k}>{label}</option>
      ))}
    </select>
  );
}
