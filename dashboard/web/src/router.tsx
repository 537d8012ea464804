// A tiny history router: the location is a store, links push state, and
// views match paths themselves.
import type { ComponentChildren, JSX } from "preact";
import { Store } from "./store";

export interface Loc {
  path: string;
  query: URLSearchParams;
}

function read(): Loc {
  return { path: location.pathname.replace(/\/+$/, "") || "/", query: new URLSearchParams(location.search) };
}

export const loc = new Store<Loc>(read());
addEventListener("popstate", () => loc.set(read()));

/** navigate goes to url (path and query) within the app. */
export function navigate(url: string, replace = false): void {
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  loc.set(read());
  if (!replace) scrollTo(0, 0);
}

/** match returns the parameters of pattern ("/tickets/:id") in path, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split("/");
  const s = path.split("/");
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(":")) out[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return null;
  }
  return out;
}

type LinkProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, "href"> & { href: string; children?: ComponentChildren };

/** Link is an anchor that navigates without a reload on a plain click. */
export function Link(props: LinkProps) {
  const { href, onClick, ...rest } = props;
  return (
    <a
      {...rest}
      href={href}
      onClick={(e: JSX.TargetedMouseEvent<HTMLAnchorElement>) => {
        if (onClick) (onClick as any)(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
    />
  );
}
