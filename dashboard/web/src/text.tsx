// User text is only ever rendered as text nodes. Links become anchors for
// http, https and mailto only, opening with rel=noopener.
import type { ComponentChildren } from "preact";

const LINK = /\b(?:https?:\/\/|mailto:)[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

/** safeHref returns raw as an http(s) or mailto URL, or "" for anything else. */
export function safeHref(raw: string | undefined): string {
  if (!raw) return "";
  let u: URL;
  try {
    u = new URL(raw);
  } catch (e) {
    return "";
  }
  return u.protocol === "http:" || u.protocol === "https:" || u.protocol === "mailto:" ? u.href : "";
}

/** ExtLink is a safe external link, or the bare text when the URL is not. */
export function ExtLink({ href, children }: { href: string | undefined; children?: ComponentChildren }) {
  const safe = safeHref(href);
  if (!safe) return <span>{children ?? href}</span>;
  return (
    <a href={safe} target="_blank" rel="noopener noreferrer">
      {children ?? href}
    </a>
  );
}

/** Text renders a message body with its links made clickable. */
export function Text({ text }: { text: string }) {
  const out: ComponentChildren[] = [];
  let at = 0;
  for (const m of text.matchAll(LINK)) {
    const raw = m[0].replace(TRAILING, "");
    const start = m.index || 0;
    if (!safeHref(raw)) continue;
    out.push(text.slice(at, start), <ExtLink href={raw}>{raw}</ExtLink>);
    at = start + raw.length;
  }
  out.push(text.slice(at));
  return <>{out}</>;
}
