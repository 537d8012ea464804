// Message text is only ever rendered as text. Links are made clickable for
// http, https and mailto, and nothing else.

const LINK = /\b(?:https?:\/\/|mailto:)[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

/** appendText appends text to el, turning http(s) and mailto links into anchors. */
export function appendText(el: HTMLElement, text: string): void {
  let at = 0;
  for (const m of text.matchAll(LINK)) {
    const raw = m[0].replace(TRAILING, "");
    const start = m.index || 0;
    const a = safeLink(raw);
    if (!a) continue;
    el.append(text.slice(at, start), a);
    at = start + raw.length;
  }
  el.append(text.slice(at));
}

function safeLink(raw: string): HTMLAnchorElement | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch (e) {
    return null;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:" && u.protocol !== "mailto:") return null;
  const a = document.createElement("a");
  a.href = u.href;
  a.textContent = raw;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}
