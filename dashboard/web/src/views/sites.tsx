// A workspace's sites in Settings: the list (with whether each site's
// chat is live), a new site, and a site's page: its settings (the snippet,
// allowed origins, verified-only, the identity secret, tickets and their
// email, AI instructions, hand-off) and its Builder (builder.tsx), as two
// tabs; and useSites, which the views with a site picker load them with.
import { useEffect, useState } from "preact/hooks";
import { get, patch, post } from "../api";
import { me } from "../data";
import { t } from "../i18n";
import { hasFeature, LockIcon, Locked } from "../plan";
import { Link, navigate } from "../router";
import { useStore } from "../store";
import type { Handoff, Page, Site } from "../types";
import { CopyButton, ErrorBox, Field, Modal, Switch, val } from "../ui";
import { Builder, widgetState } from "./builder";
import { Card, type CardProps, SaveRow, useSave } from "./cards";

/** useSites loads the workspace's sites. */
export function useSites(): [Site[] | null, unknown, (s: Site[]) => void] {
  const [sites, setSites] = useState<Site[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    get<Page<Site>>("/sites").then((p) => setSites(p.items || []), setError);
  }, []);
  return [sites, error, setSites];
}

function SecretOnce({ secret, onClose }: { secret: string; onClose: () => void }) {
  return (
    <Modal title={t("sites.secretTitle")} onClose={onClose} testid="secret-modal">
      <p>{t("sites.secretOnce")}</p>
      <p class="secret mono" data-testid="identity-secret">
        {secret}
      </p>
      <CopyButton text={secret} />
    </Modal>
  );
}

const splitOrigins = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

export function SiteList({ manager }: { manager: boolean }) {
  const [sites, error, setSites] = useSites();
  const [name, setName] = useState("");
  const [origins, setOrigins] = useState("");
  const [secret, setSecret] = useState("");
  const [created, setCreated] = useState(0);
  const [busy, saveErr, , run] = useSave();
  return (
    <div class="cards">
      <Card title={t("settings.sites")}>
        <ErrorBox error={error} />
        {sites && !sites.length && <p class="muted">{t("conv.noSites")}</p>}
        <ul class="plain-list" data-testid="site-list">
          {(sites || []).map((s) => (
            <li>
              <Link href={"/settings/sites/" + s.id}>{s.name}</Link>
              <span class="muted mono"> {s.key}</span> <WidgetBadge site={s} />{" "}
              <Link href={"/settings/sites/" + s.id + "/builder"} class="small">
                {t("builder.title")} →
              </Link>
            </li>
          ))}
        </ul>
      </Card>
      {manager && (
        <Card title={t("sites.new")}>
          <Field label={t("sites.name")}>
            <input value={name} onInput={(e) => setName(val(e))} data-testid="new-site-name" />
          </Field>
          <Field label={t("sites.origins")} hint={t("sites.originsHint")}>
            <textarea rows={2} value={origins} onInput={(e) => setOrigins(val(e))} />
          </Field>
          <SaveRow
            busy={busy}
            error={saveErr}
            saved={false}
            disabled={!name.trim()}
            label={t("sites.create")}
            onSave={() =>
              run(async () => {
                const s = await post<Site>("/sites", { name: name.trim(), allowed_origins: splitOrigins(origins) });
                setSites([...(sites || []), s]);
                setName("");
                setOrigins("");
                setCreated(s.id);
                if (s.identity_secret) setSecret(s.identity_secret);
                else navigate("/settings/sites/" + s.id);
              })
            }
          />
        </Card>
      )}
      {secret && (
        <SecretOnce
          secret={secret}
          onClose={() => {
            setSecret("");
            navigate("/settings/sites/" + created);
          }}
        />
      )}
    </div>
  );
}

/** WidgetBadge says, in the list of sites, whether a site's chat is live, and why not. */
function WidgetBadge({ site }: { site: Site }) {
  const mine = useStore(me);
  const state = widgetState(site);
  const locked = !hasFeature("widget", mine);
  return (
    <span class={"badge state-" + (locked ? "locked" : state)} data-testid="widget-badge" data-state={locked ? "locked" : state}>
      {locked ? (
        <>
          <LockIcon /> {t("plan.lockedShort")}
        </>
      ) : (
        t(("builder.state." + state) as any)
      )}
    </span>
  );
}

export function SiteSettings({ id, tab, manager }: { id: number; tab: string; manager: boolean }) {
  const [site, setSite] = useState<Site | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    get<Site>("/sites/" + id).then(setSite, setError);
  }, [id]);
  if (!site) return error ? <ErrorBox error={error} /> : <p class="muted">{t("common.loading")}</p>;
  const save = async (body: Partial<Site>) => setSite(await patch<Site>("/sites/" + id, body));
  return (
    <div class="cards" data-testid="site-settings">
      <p>
        <Link href="/settings/sites">← {t("settings.sites")}</Link>
      </p>
      <h1>{site.name}</h1>
      <nav class="tabs" aria-label={site.name}>
        <Link href={"/settings/sites/" + site.id} class={"tab" + (tab !== "builder" ? " on" : "")} data-testid="site-tab-settings">
          {t("builder.settings")}
        </Link>
        <Link href={"/settings/sites/" + site.id + "/builder"} class={"tab" + (tab === "builder" ? " on" : "")} data-testid="site-tab-builder">
          {t("builder.title")}
        </Link>
      </nav>
      {tab === "builder" ? (
        <Builder site={site} save={save} manager={manager} />
      ) : (
        <>
          <InstallCard site={site} save={save} manager={manager} setSite={setSite} />
          <TicketsCard site={site} save={save} manager={manager} />
          <AICard site={site} save={save} manager={manager} />
          <HandoffCard site={site} save={save} manager={manager} />
          <p>
            <Link href={"/settings/knowledge?site=" + site.id}>{t("settings.knowledge")} →</Link>
          </p>
        </>
      )}
    </div>
  );
}

function InstallCard({ site, save, manager, setSite }: CardProps & { setSite: (s: Site) => void }) {
  const [origins, setOrigins] = useState(site.allowed_origins.join("\n"));
  const [secret, setSecret] = useState("");
  const [busy, error, saved, run] = useSave();
  const [rbusy, rerror, , rrun] = useSave();
  return (
    <Card title={t("sites.install")} testid="install-card">
      <Locked feature="widget" />
      <Field label={t("sites.snippet")} hint={t("sites.snippetHint")}>
        <textarea class="mono" rows={3} readOnly value={site.snippet} data-testid="snippet" />
      </Field>
      <CopyButton text={site.snippet} label={t("sites.copySnippet")} testid="copy-snippet" />
      <Field label={t("sites.key")}>
        <input class="mono" readOnly value={site.key} />
      </Field>
      <Field label={t("sites.origins")} hint={t("sites.originsHint")}>
        <textarea rows={3} value={origins} disabled={!manager} onInput={(e) => setOrigins(val(e))} data-testid="origins" />
      </Field>
      <Switch label={t("sites.verifiedOnly")} checked={site.verified_only} disabled={!manager || busy} onChange={(v) => run(() => save({ verified_only: v }))} testid="verified-only" />
      <p class="hint">{t("sites.verifiedOnlyHint")}</p>
      {manager && <SaveRow busy={busy} error={error} saved={saved} onSave={() => run(() => save({ allowed_origins: splitOrigins(origins) }))} />}
      <h3>{t("sites.secret")}</h3>
      <p class="hint">{t("sites.secretHint")}</p>
      <ErrorBox error={rerror} />
      {manager && (
        <button
          type="button"
          disabled={rbusy}
          data-testid="rotate-secret"
          onClick={() =>
            confirm(t("sites.rotateConfirm")) &&
            rrun(async () => {
              const r = await post<{ identity_secret: string }>(`/sites/${site.id}/identity-secret`);
              setSecret(r.identity_secret);
              setSite({ ...site });
            })
          }
        >
          {t("sites.rotate")}
        </button>
      )}
      {secret && <SecretOnce secret={secret} onClose={() => setSecret("")} />}
    </Card>
  );
}

function TicketsCard({ site, save, manager }: CardProps) {
  const [email, setEmail] = useState(site.support_email || "");
  const [busy, error, saved, run] = useSave();
  return (
    <Card title={t("sites.tickets")} hint={t("sites.ticketsHint")} testid="tickets-card">
      <Locked feature="tickets" />
      <Switch label={t("sites.ticketsOn")} checked={site.tickets_enabled} disabled={!manager || busy} onChange={(v) => run(() => save({ tickets_enabled: v }))} testid="tickets-enabled" />
      <Field label={t("sites.notifyEmail")} hint={t("sites.notifyEmailHint")}>
        <input type="email" value={email} disabled={!manager} onInput={(e) => setEmail(val(e))} data-testid="support-email" />
      </Field>
      {manager && <SaveRow busy={busy} error={error} saved={saved} onSave={() => run(() => save({ support_email: email.trim() }))} />}
    </Card>
  );
}

function AICard({ site, save, manager }: CardProps) {
  const [text, setText] = useState(site.instructions || "");
  const [busy, error, saved, run] = useSave();
  return (
    <Card title={t("sites.ai")} testid="ai-card">
      <Switch label={t("sites.assistantOn")} checked={site.assistant_enabled} disabled={!manager || busy} onChange={(v) => run(() => save({ assistant_enabled: v }))} />
      <Field label={t("sites.instructions")} hint={t("sites.instructionsHint")}>
        <textarea rows={8} maxLength={8000} value={text} disabled={!manager} onInput={(e) => setText(val(e))} data-testid="instructions" />
      </Field>
      {site.instructions_warning && (
        <p class="warning" role="alert" data-testid="instructions-warning">
          ⚠ {site.instructions_warning}
        </p>
      )}
      {manager && <SaveRow busy={busy} error={error} saved={saved} onSave={() => run(() => save({ instructions: text }))} testid="save-instructions" />}
    </Card>
  );
}

const DAYS = [1, 2, 3, 4, 5, 6, 0];

function zones(): string[] {
  try {
    return (Intl as any).supportedValuesOf("timeZone");
  } catch (e) {
    return ["UTC", "Europe/Moscow", "Europe/London", "America/New_York"];
  }
}

function HandoffCard({ site, save, manager }: CardProps) {
  const [h, setH] = useState<Handoff>({ ...site.handoff, hours: { ...(site.handoff?.hours || {}) } });
  const [busy, error, saved, run] = useSave();
  const hours = h.hours;
  const days = hours.days && hours.days.length ? hours.days : [1, 2, 3, 4, 5];
  const setHours = (k: string, v: unknown) => setH({ ...h, hours: { ...hours, [k]: v } });
  return (
    <Card title={t("sites.handoff")} hint={t("sites.handoffHint")} testid="handoff-card">
      <Switch label={t("sites.handoffOff")} checked={!!h.disabled} disabled={!manager} onChange={(v) => setH({ ...h, disabled: v })} />
      <Field label={t("sites.outOfHours")}>
        <textarea rows={2} maxLength={1000} value={h.out_of_hours_message || ""} disabled={!manager} onInput={(e) => setH({ ...h, out_of_hours_message: val(e) })} />
      </Field>
      <div class="grid3">
        <Field label={t("sites.timeZone")}>
          <input list="zones" value={hours.time_zone || ""} disabled={!manager} onInput={(e) => setHours("time_zone", val(e))} placeholder="Europe/Moscow" />
          <datalist id="zones">
            {zones().map((z) => (
              <option value={z} />
            ))}
          </datalist>
        </Field>
        <Field label={t("sites.start")}>
          <input type="time" value={hours.start || ""} disabled={!manager} onInput={(e) => setHours("start", val(e))} />
        </Field>
        <Field label={t("sites.end")}>
          <input type="time" value={hours.end || ""} disabled={!manager} onInput={(e) => setHours("end", val(e))} />
        </Field>
      </div>
      <fieldset class="days">
        <legend>{t("sites.days")}</legend>
        {DAYS.map((d) => (
          <label class="check">
            <input
              type="checkbox"
              disabled={!manager}
              checked={days.includes(d)}
              onChange={(e) => setHours("days", (e.target as HTMLInputElement).checked ? [...days, d].sort() : days.filter((x) => x !== d))}
            />
            <span>{t(("day." + d) as any)}</span>
          </label>
        ))}
      </fieldset>
      <p class="hint">{t("sites.hoursHint")}</p>
      {manager && <SaveRow busy={busy} error={error} saved={saved} onSave={() => run(() => save({ handoff: h }))} />}
    </Card>
  );
}
