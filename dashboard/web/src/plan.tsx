// Plans (hub/plan.go): what the workspace's plan includes, as GET /me and
// the workspace.plan event tell it, and how a feature the plan lacks
// shows: locked, with the reason, the plans that include it and what to
// do, wherever it appears (the Builder and the list of sites for the
// widget; a site's tickets and the Tickets page for tickets). The plans
// and what each includes are GET /me's: the app keeps no table of them.
import { contactsSupport, me } from "./data";
import { lang, t } from "./i18n";
import { live } from "./live";
import { Link } from "./router";
import { useStore } from "./store";
import type { Member } from "./types";

export type Feature = "widget" | "tickets";

/** hasFeature: the workspace's plan includes f (a server that does not say: yes). */
export function hasFeature(f: Feature, m: Member | null = me.value): boolean {
  const ws = m?.workspace;
  return !ws || ws.features.includes(f);
}

/** planName is a plan as people write it. */
export const planName = (p: string, m: Member | null = me.value) => m?.plans?.find((x) => x.plan === p)?.name || p;

/**
 * plansWith names the plans that include f, as each language's sentence
 * needs them: "Pro or Enterprise", "Pro и Enterprise".
 */
function plansWith(f: Feature, m: Member): string {
  const names = (m.plans || []).filter((p) => p.features.includes(f)).map((p) => p.name);
  const ru = lang.value === "ru";
  return new Intl.ListFormat(ru ? "ru" : "en-GB", { type: ru ? "conjunction" : "disjunction" }).format(names);
}

/** Locked says, when the plan lacks feature, that it is locked, why, and what to do; nothing otherwise. */
export function Locked({ feature }: { feature: Feature }) {
  const m = useStore(me);
  if (!m || hasFeature(feature, m)) return null;
  const plan = planName(m.workspace!.plan, m);
  return (
    <div class="locked" role="note" data-testid={"locked-" + feature}>
      <strong>
        <LockIcon /> {t("plan.locked")}
      </strong>
      <p>{t(feature === "widget" ? "plan.noWidget" : "plan.noTickets", { plan, plans: plansWith(feature, m) })}</p>
      <p>
        {contactsSupport(m) ? (
          <>
            {t("plan.askSupport")} <Link href="/support">{t("nav.support")}</Link>.
          </>
        ) : (
          t("plan.askOwner")
        )}
      </p>
    </div>
  );
}

/** LockIcon is a padlock (an inline image: emoji fonts are not everywhere). */
export function LockIcon() {
  return (
    <svg class="lock" viewBox="0 0 24 24" width="14" height="14" aria-hidden="true">
      <path fill="currentColor" d="M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5zm-3 8V7a3 3 0 0 1 6 0v3z" />
    </svg>
  );
}

/** wirePlan keeps the member's workspace as the workspace.plan events tell it: staff change plans live. */
export function wirePlan(): void {
  live.on("workspace.plan", (d: { plan: string; features?: string[] }) => {
    const m = me.value;
    if (m && m.workspace) me.set({ ...m, workspace: { ...m.workspace, plan: d.plan, features: d.features || [] } });
  });
}
