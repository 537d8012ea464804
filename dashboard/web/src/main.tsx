// Parley's dashboard: a single-page app over the REST API, the agent
// websocket and, for the Support section, the support websocket. The
// session is the HttpOnly cookie; the app never sees it. Staff viewing a
// workspace read-only switch it with view.ts.
import type { JSX } from "preact";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { get, whenUnauthorized, whenViewForbidden } from "./api";
import { contactsSupport, me, resetData, setViewing, viewingWs } from "./data";
import { lang, t } from "./i18n";
import { live, supportLive } from "./live";
import { wirePlan } from "./plan";
import { loc, match, navigate } from "./router";
import { useStore } from "./store";
import type { Member } from "./types";
import { begin, boot, checkView, watchView } from "./view";
import { Card, Invite, Login, Reset, Signup } from "./views/auth";
import { ConversationsView } from "./views/conversations";
import { ReportsView } from "./views/reports";
import { SettingsView } from "./views/settings";
import { Shell } from "./views/shell";
import { SupportView } from "./views/support";
import { TicketsView } from "./views/tickets";
import { WorkspacesView } from "./views/workspaces";
import ROUTES from "./routes.json";

// routes.json is the one list of the app's paths: this router's, and the
// server's, which answers each with the app (dashboard/assets.go, built
// into dist/routes.json), so that a reload or a deep link works.
const PUBLIC: string[] = ROUTES.public;

/** VIEWS are the signed-in pages, by the pattern of routes.json that leads to each. */
const VIEWS: Record<string, (p: Record<string, string>) => JSX.Element> = {
  "/": () => <TicketsView id={0} />,
  "/inbox": () => <TicketsView id={0} />,
  "/tickets": () => <TicketsView id={0} />,
  "/tickets/:id": (p) => <TicketsView id={+p.id || 0} />,
  "/conversations": () => <ConversationsView id={0} />,
  "/conversations/:id": (p) => <ConversationsView id={+p.id || 0} />,
  "/reports": () => <ReportsView />,
  "/support": () => <SupportView id={0} />,
  "/support/:id": (p) => <SupportView id={+p.id || 0} />,
  "/workspaces": () => <WorkspacesView />,
  "/settings": () => <SettingsView section="sites" id={0} />,
  "/settings/:section": (p) => <SettingsView section={p.section} id={0} />,
  "/settings/sites/:id": (p) => <SettingsView section="sites" id={+p.id || 0} />,
  "/settings/sites/:id/builder": (p) => <SettingsView section="sites" id={+p.id || 0} tab="builder" />,
};

/** signOut forgets everything of the session, a staff member's view too. */
function signOut(next: string) {
  live.stop();
  supportLive.stop();
  resetData();
  setViewing(null);
  navigate(next, true);
}

whenUnauthorized(() => {
  if (!me.value) return;
  signOut("/login?next=" + encodeURIComponent(location.pathname + location.search));
});
// A refused request while viewing a workspace: its access may have closed.
whenViewForbidden(() => {
  if (me.value) checkView();
});
watchView();
wirePlan();
live.sessionCheck = async () => {
  if (viewingWs.value && !(await checkView())) return false; // left the view: it reconnects as the member
  return get<Member>("/me").then(
    (m) => {
      me.set(m);
      return true;
    },
    () => false, // a 401 has signed out already (whenUnauthorized)
  );
};
// The Support socket reconnects only while the member still contacts support (an owner or admin).
supportLive.sessionCheck = () =>
  get<Member>("/me").then(
    (m) => {
      me.set(m);
      return contactsSupport(m);
    },
    () => false,
  );
live.state.subscribe(() => {
  // A support viewer's socket refused: the view is checked (watchView), not the session.
  if (live.state.value === "unauthorized" && me.value && !viewingWs.value) signOut("/login");
});

function Routes() {
  const { path } = useStore(loc);
  // A pattern without a parameter wins over one with ("/settings/sites/3"
  // is the site, not a section called "sites").
  for (const exact of [true, false]) {
    for (const pattern of ROUTES.app) {
      if (exact === pattern.includes(":")) continue;
      const p = match(pattern, path);
      const view = VIEWS[pattern];
      if (p && view) return view(p);
    }
  }
  return <p class="muted pad">{t("app.notFound")}</p>;
}

/** hubOrigin is the server's own origin, which its page names (dashboard/assets.go). */
const hubOrigin = document.querySelector<HTMLMetaElement>('meta[name="parley-origin"]')?.content || location.origin;

/** WrongOrigin stands for the app opened at another address than the hub's. */
function WrongOrigin() {
  useStore(lang);
  const here = location.origin;
  return (
    <Card title={t("origin.title")} testid="wrong-origin">
      <p>{t("origin.text", { here, hub: hubOrigin })}</p>
      <p>
        <a class="button primary" href={hubOrigin + location.pathname + location.search} data-testid="wrong-origin-link">
          {t("origin.open", { hub: hubOrigin })}
        </a>
      </p>
      <p class="muted">{t("origin.fix", { here })}</p>
    </Card>
  );
}

function App() {
  const l = useStore(loc);
  const m = useStore(me);
  const v = useStore(viewingWs);
  useStore(lang);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    boot()
      .then((mm) => mm && begin(mm))
      .finally(() => setReady(true));
  }, []);
  const isPublic = PUBLIC.includes(l.path);
  useEffect(() => {
    if (!ready) return;
    if (!m && !isPublic) navigate("/login" + (l.path !== "/" ? "?next=" + encodeURIComponent(l.path + location.search) : ""), true);
    if (m && (l.path === "/login" || l.path === "/signup")) navigate(safeNext(l.query.get("next")), true);
  }, [ready, m, l.path]);
  if (!ready) return <p class="muted pad">{t("common.loading")}</p>;
  const signedIn = (mm: Member) => {
    // /me says more than the sign-in's member (staff): begin with it when it answers.
    get<Member>("/me")
      .catch(() => mm)
      .then((full) => {
        begin(full);
        navigate(safeNext(loc.value.query.get("next")), true);
      });
  };
  if (l.path === "/reset") return <Reset />;
  if (l.path === "/invite") return <Invite signedIn={signedIn} />;
  if (!m) return l.path === "/signup" ? <Signup signedIn={signedIn} /> : <Login signedIn={signedIn} />;
  // Entering or leaving a workspace's view starts every page afresh.
  return (
    <Shell>
      <Routes key={v?.id || 0} />
    </Shell>
  );
}

/** safeNext keeps redirects after sign-in inside the app. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/tickets";
}

render(hubOrigin === location.origin ? <App /> : <WrongOrigin />, document.getElementById("app")!);
