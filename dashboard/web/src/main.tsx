// Parley's dashboard: a single-page app over the REST API and the agent
// websocket. The session is the HttpOnly cookie; the app never sees it.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { get, whenUnauthorized } from "./api";
import { loadInbox, loadMembers, me, resetData, wireLive } from "./data";
import { initLang, lang, t } from "./i18n";
import { live } from "./live";
import { loc, match, navigate } from "./router";
import { useStore } from "./store";
import type { Member } from "./types";
import { Invite, Login, Reset, Signup } from "./views/auth";
import { ConversationsView } from "./views/conversations";
import { ReportsView } from "./views/reports";
import { SettingsView } from "./views/settings";
import { Shell } from "./views/shell";
import { TicketsView } from "./views/tickets";

const PUBLIC = ["/login", "/signup", "/reset", "/invite"];
let wired = false;

function begin(m: Member) {
  me.set(m);
  initLang(m.locale);
  if (!wired) {
    wired = true;
    wireLive();
  }
  loadMembers();
  loadInbox();
  live.start();
}

whenUnauthorized(() => {
  if (!me.value) return;
  live.stop();
  resetData();
  navigate("/login?next=" + encodeURIComponent(location.pathname + location.search), true);
});
live.sessionCheck = () =>
  get<Member>("/me").then(
    (m) => {
      me.set(m);
      return true;
    },
    () => false, // a 401 has signed out already (whenUnauthorized)
  );
live.state.subscribe(() => {
  if (live.state.value === "unauthorized" && me.value) {
    live.stop();
    resetData();
    navigate("/login", true);
  }
});

function Routes() {
  const { path } = useStore(loc);
  let p: Record<string, string> | null;
  if (path === "/" || path === "/inbox" || path === "/tickets") return <TicketsView id={0} />;
  if ((p = match("/tickets/:id", path))) return <TicketsView id={+p.id || 0} />;
  if (path === "/conversations") return <ConversationsView id={0} />;
  if ((p = match("/conversations/:id", path))) return <ConversationsView id={+p.id || 0} />;
  if (path === "/reports") return <ReportsView />;
  if (path === "/settings") return <SettingsView section="sites" id={0} />;
  if ((p = match("/settings/:section", path))) return <SettingsView section={p.section} id={0} />;
  if ((p = match("/settings/sites/:id", path))) return <SettingsView section="sites" id={+p.id || 0} />;
  return <p class="muted pad">{t("app.notFound")}</p>;
}

function App() {
  const l = useStore(loc);
  const m = useStore(me);
  useStore(lang);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    get<Member>("/me")
      .then(begin, () => {})
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
    begin(mm);
    navigate(safeNext(loc.value.query.get("next")), true);
  };
  if (l.path === "/reset") return <Reset />;
  if (l.path === "/invite") return <Invite signedIn={signedIn} />;
  if (!m) return l.path === "/signup" ? <Signup signedIn={signedIn} /> : <Login signedIn={signedIn} />;
  return (
    <Shell>
      <Routes />
    </Shell>
  );
}

/** safeNext keeps redirects after sign-in inside the app. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/tickets";
}

render(<App />, document.getElementById("app")!);
