// The signed-in frame: the left menu with the member's own unread badges
// (Conversations, Tickets, My Tickets, as the server counts them), the
// connection banner, the team's presence, notification and sound switches,
// the language switch, the tab title with the member's unread total, and
// the keyboard shortcuts.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { post } from "../api";
import {
  contactsSupport,
  me,
  memberName,
  members,
  notices,
  online,
  resetData,
  setViewing,
  supportTickets,
  supportUnread,
  unread,
  viewEnded,
  viewingWs,
} from "../data";
import { LangSwitch, t } from "../i18n";
import { live, supportLive } from "../live";
import { Link, loc, navigate } from "../router";
import { useStore } from "../store";
import { Modal } from "../ui";
import { leaveView } from "../view";

const pref = (k: string) => localStorage.getItem("parley." + k) === "1";
const setPref = (k: string, v: boolean) => localStorage.setItem("parley." + k, v ? "1" : "0");

function beep() {
  try {
    const AC = window.AudioContext || (window as any).webkitAudioContext;
    const ctx = new AC();
    const o = ctx.createOscillator();
    const g = ctx.createGain();
    o.frequency.value = 880;
    g.gain.setValueAtTime(0.12, ctx.currentTime);
    g.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.3);
    o.connect(g).connect(ctx.destination);
    o.start();
    o.stop(ctx.currentTime + 0.3);
    o.onended = () => ctx.close();
  } catch (e) {
    // No audio: nothing to play.
  }
}

export async function logout(): Promise<void> {
  try {
    await post("/auth/logout");
  } catch (e) {
    // The session may already be gone.
  }
  live.stop();
  supportLive.stop();
  resetData();
  setViewing(null);
  navigate("/login", true);
}

/** ViewingBanner says, on every page, that a staff member views a workspace read-only. */
function ViewingBanner() {
  const v = useStore(viewingWs);
  const ended = useStore(viewEnded);
  if (v) {
    return (
      <div class="banner viewing" role="status" data-testid="viewing-banner" data-id={v.id}>
        <span>{t("view.banner", { name: v.name })}</span>
        <button type="button" class="small" onClick={leaveView} data-testid="leave-view">
          {t("view.leave")}
        </button>
      </div>
    );
  }
  if (!ended) return null;
  return (
    <div class="banner ended" role="status" data-testid="view-ended">
      <span>{t("view.ended", { name: ended })}</span>
      <button type="button" class="link" onClick={() => viewEnded.set("")}>
        {t("common.dismiss")}
      </button>
    </div>
  );
}

function Banner() {
  const s = useStore(live.state);
  if (s === "online" || s === "unauthorized" || (s === "connecting" && !live.everOnline)) return null;
  return (
    <div class={"banner " + s} role="status" aria-live="polite" data-testid="conn-banner" data-state={s}>
      {s === "syncing" ? t("live.syncing") : t("live.lost")}
      {s === "offline" && (
        <button type="button" class="link" onClick={() => live.retry()}>
          {t("live.retry")}
        </button>
      )}
    </div>
  );
}

function useTitleAndNotices() {
  const n = useStore(notices);
  // The member's own total: every unread message is in a conversation.
  const total = useStore(unread).totals.conversations;
  useEffect(() => {
    document.title = total ? `(${total}) ${t("app.title")}` : t("app.title");
  }, [total]);
  useEffect(() => {
    if (!n) return;
    if (pref("sound")) beep();
    if (pref("notify") && "Notification" in window && Notification.permission === "granted" && document.visibilityState !== "visible") {
      const text = n.kind === "ticket" ? t("notify.ticket", { what: n.text }) : t("notify.message");
      const note = new Notification(t("app.title"), { body: text, tag: n.kind + n.id });
      note.onclick = () => {
        focus();
        navigate(n.kind === "ticket" ? "/tickets/" + n.id : "/conversations/" + n.id);
      };
    }
  }, [n]);
  return total;
}

/** NavBadge is a menu entry's unread count, when there is one. */
function NavBadge({ n, testid }: { n: number; testid: string }) {
  if (n <= 0) return null;
  return (
    <span class="unread-badge" data-testid={testid} aria-label={t("tickets.unread", { n })}>
      {n}
    </span>
  );
}

function Team() {
  const team = useStore(members);
  const on = useStore(online);
  const mine = useStore(me);
  return (
    <section class="team" aria-label={t("shell.team")} data-testid="presence">
      <h2>{t("shell.team")}</h2>
      <ul>
        {[
          ...team,
          // Members online whom the team list does not have (yet).
          ...Object.keys(on)
            .map(Number)
            .filter((id) => on[id] && !team.some((m) => m.id === id))
            .map((id) => ({ id, name: memberName(id), email: "" })),
        ].map((m) => {
          const isOn = !!on[m.id] || m.id === mine?.id;
          return (
            <li class={isOn ? "on" : ""} data-testid="presence-member" data-online={isOn ? "1" : "0"} data-id={m.id}>
              <span class={"dot" + (isOn ? " on" : "")} aria-hidden="true" />
              <span>{m.name || m.email}</span>
              <span class="sr">{isOn ? t("shell.online") : t("shell.offline")}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

const HELP: [string, string][] = [
  ["j", "keys.next"],
  ["k", "keys.prev"],
  ["r", "keys.reply"],
  ["a", "keys.assign"],
  ["s", "keys.status"],
  ["/", "keys.search"],
  ["?", "keys.help"],
  ["Esc", "keys.close"],
  ["Ctrl+Enter", "keys.send"],
];

function typingInField(e: KeyboardEvent): boolean {
  const el = e.target as HTMLElement;
  return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

/** moveTicket opens the next (+1) or previous (-1) ticket of the list. */
function moveTicket(dir: number) {
  const rows = Array.from(document.querySelectorAll<HTMLElement>('[data-testid="ticket-row"], [data-testid="conversation-row"]'));
  if (!rows.length) return;
  const at = rows.findIndex((r) => r.classList.contains("sel"));
  const next = rows[Math.max(0, Math.min(rows.length - 1, at < 0 ? 0 : at + dir))];
  next.querySelector<HTMLAnchorElement>("a")?.click();
  next.scrollIntoView({ block: "nearest" });
}

function useShortcuts(setHelp: (f: (v: boolean) => boolean) => void) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        setHelp(() => false);
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey || typingInField(e)) return;
      // Behind an open dialog, the shortcuts are off.
      if (document.querySelector('[aria-modal="true"]')) return;
      const click = (sel: string) => document.querySelector<HTMLElement>(sel)?.click();
      const focus = (sel: string) => {
        const el = document.querySelector<HTMLElement>(sel);
        if (!el) return false;
        e.preventDefault();
        el.focus();
        return true;
      };
      switch (e.key) {
        case "j":
          return moveTicket(1);
        case "k":
          return moveTicket(-1);
        case "r":
          focus('[data-testid="reply-box"]');
          return;
        case "a":
          click('[data-testid="assign-me"]');
          return;
        case "s":
          if (focus('[data-testid="ticket-status"]')) {
            try {
              (document.activeElement as any).showPicker?.();
            } catch (err) {
              // showPicker needs a user gesture in some browsers: focus is enough.
            }
          }
          return;
        case "/":
          if (!focus('[data-testid="ticket-search"]')) {
            e.preventDefault();
            navigate("/tickets");
            setTimeout(() => document.querySelector<HTMLElement>('[data-testid="ticket-search"]')?.focus(), 50);
          }
          return;
        case "?":
          setHelp((v) => !v);
          return;
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
}

export function Shell({ children }: { children: ComponentChildren }) {
  const l = useStore(loc);
  const mine = useStore(me);
  const viewing = useStore(viewingWs);
  const sts = useStore(supportTickets);
  const total = useTitleAndNotices();
  const badges = useStore(unread).totals;
  const [help, setHelp] = useState(false);
  const [menu, setMenu] = useState(false);
  const [notify, setNotify] = useState(pref("notify"));
  const [sound, setSound] = useState(pref("sound"));
  useShortcuts(setHelp);
  useEffect(() => setMenu(false), [l.path]);
  const nav: [string, string][] = [
    ["/tickets", "nav.tickets"],
    ["/conversations", "nav.conversations"],
    ["/reports", "nav.reports"],
    ["/settings", "nav.settings"],
  ];
  // Support is for a workspace's owners and admins; Workspaces for staff in their own inbox.
  if (contactsSupport(mine)) nav.push(["/support", "nav.support"]);
  if (mine?.staff && !viewing) nav.push(["/workspaces", "nav.workspaces"]);
  const sUnread = supportUnread(sts);
  // My Tickets is on for its list and the tickets opened from it (their links keep the filter).
  const mineOn = l.path.startsWith("/tickets") && l.query.get("filter") === "mine";
  return (
    <div class={"shell" + (menu ? " menu-open" : "")}>
      <header class="topbar">
        <button type="button" class="icon menu-button" aria-label={t("shell.menu")} aria-expanded={menu} onClick={() => setMenu(!menu)}>
          ☰
        </button>
        <span class="brand">Parley</span>
        {total > 0 && (
          <span class="unread-badge" data-testid="total-unread">
            {total}
          </span>
        )}
      </header>
      <aside class="sidenav">
        <div class="brand">Parley</div>
        <nav aria-label={t("shell.main")}>
          {nav.map(([href, key]) => (
            <>
              <Link
                href={href}
                class={"navlink" + (l.path.startsWith(href) && !(href === "/tickets" && mineOn) ? " on" : "")}
                data-testid={"nav-" + href.slice(1)}
              >
                {t(key as any)}
                {href === "/tickets" && <NavBadge n={badges.tickets} testid="nav-unread-tickets" />}
                {href === "/conversations" && <NavBadge n={badges.conversations} testid="nav-unread-conversations" />}
                {href === "/support" && <NavBadge n={sUnread} testid="nav-support-unread" />}
              </Link>
              {href === "/tickets" && (
                <Link href="/tickets?filter=mine" class={"navlink sub" + (mineOn ? " on" : "")} data-testid="nav-mine">
                  {t("filter.mine")}
                  <NavBadge n={badges.my_tickets} testid="nav-unread-mine" />
                </Link>
              )}
            </>
          ))}
        </nav>
        <Team />
        <div class="prefs">
          <label class="check">
            <input
              type="checkbox"
              checked={notify}
              data-testid="pref-notify"
              onChange={async (e) => {
                let v = (e.target as HTMLInputElement).checked;
                if (v && "Notification" in window && Notification.permission !== "granted") v = (await Notification.requestPermission()) === "granted";
                setPref("notify", v);
                setNotify(v);
              }}
            />
            <span>{t("shell.notifications")}</span>
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={sound}
              data-testid="pref-sound"
              onChange={(e) => {
                const v = (e.target as HTMLInputElement).checked;
                setPref("sound", v);
                setSound(v);
                if (v) beep();
              }}
            />
            <span>{t("shell.sound")}</span>
          </label>
          <LangSwitch save={!viewing} />
          <button type="button" class="link" onClick={() => setHelp(true)} data-testid="help-button">
            {t("keys.title")} (?)
          </button>
        </div>
        <div class="whoami">
          <Link href="/settings/profile" data-testid="whoami">
            {mine?.name}
          </Link>
          <button type="button" class="link" onClick={logout} data-testid="logout">
            {t("shell.logout")}
          </button>
        </div>
      </aside>
      <div class="main">
        <ViewingBanner />
        <Banner />
        {children}
      </div>
      {help && (
        <Modal title={t("keys.title")} onClose={() => setHelp(false)} testid="help">
          <dl class="keys">
            {HELP.map(([k, d]) => (
              <>
                <dt>
                  <kbd>{k}</kbd>
                </dt>
                <dd>{t(d as any)}</dd>
              </>
            ))}
          </dl>
        </Modal>
      )}
    </div>
  );
}
