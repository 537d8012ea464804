// Settings: sites (snippet, origins, identity secret, verified-only,
// appearance, language, pause/publish, tickets and their email, AI
// instructions, hand-off), the knowledge base, team and roles, canned
// responses and the member's own profile.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, del, get, patch, post } from "../api";
import { loadMembers, manages, me, readOnly } from "../data";
import { lang, LANGS, setLang, t } from "../i18n";
import { Link, loc, navigate } from "../router";
import { useStore } from "../store";
import type { Appearance, Canned, Handoff, Invite, KnowledgeEntry, Member, Page, Role, Site } from "../types";
import { CopyButton, ErrorBox, Field, fmtDateTime, Missing, Modal, Switch, val } from "../ui";
import { useSites } from "./conversations";

const SECTIONS = ["sites", "knowledge", "team", "canned", "profile"] as const;

export function SettingsView({ section, id }: { section: string; id: number }) {
  const mine = useStore(me);
  // A staff member viewing the workspace reads its settings, as an agent does.
  const manager = manages(mine);
  return (
    <div class="settings">
      <nav class="tabs" aria-label={t("nav.settings")}>
        {SECTIONS.map((s) => (
          <Link href={"/settings/" + s} class={"tab" + (s === section ? " on" : "")} data-testid={"settings-" + s}>
            {t(("settings." + s) as any)}
          </Link>
        ))}
      </nav>
      {!manager && section !== "profile" && <p class="muted">{t("settings.readOnly")}</p>}
      {section === "sites" && (id ? <SiteSettings key={id} id={id} manager={manager} /> : <SiteList manager={manager} />)}
      {section === "knowledge" && <Knowledge manager={manager} />}
      {section === "team" && <Team manager={manager} />}
      {section === "canned" && <CannedSettings manager={manager} />}
      {section === "profile" && (readOnly() ? <p class="muted">{t("view.readOnly")}</p> : <Profile />)}
    </div>
  );
}

function Card(props: { title: string; children: ComponentChildren; testid?: string; hint?: string }) {
  return (
    <section class="card" data-testid={props.testid}>
      <h2>{props.title}</h2>
      {props.hint && <p class="hint">{props.hint}</p>}
      {props.children}
    </section>
  );
}

/** useSave runs a save and tells how it went. */
function useSave(): [boolean, unknown, boolean, (fn: () => Promise<void>) => Promise<void>] {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await fn();
      setSaved(true);
      setTimeout(() => setSaved(false), 2000);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return [busy, error, saved, run];
}

function SaveRow({ busy, error, saved, disabled, onSave, label, testid }: { busy: boolean; error: unknown; saved: boolean; disabled?: boolean; onSave: () => void; label?: string; testid?: string }) {
  return (
    <div class="save-row">
      <ErrorBox error={error} />
      {saved && (
        <span class="ok" role="status">
          {t("common.saved")}
        </span>
      )}
      <button type="button" class="primary" disabled={busy || disabled} onClick={onSave} data-testid={testid}>
        {label || t("common.save")}
      </button>
    </div>
  );
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

function SiteList({ manager }: { manager: boolean }) {
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
              <span class="muted mono"> {s.key}</span>
              {s.paused && <span class="badge">{t("sites.paused")}</span>}
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

function SiteSettings({ id, manager }: { id: number; manager: boolean }) {
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
      <InstallCard site={site} save={save} manager={manager} setSite={setSite} />
      <PublishCard site={site} save={save} manager={manager} />
      <AppearanceCard site={site} save={save} manager={manager} />
      <TicketsCard site={site} save={save} manager={manager} />
      <AICard site={site} save={save} manager={manager} />
      <HandoffCard site={site} save={save} manager={manager} />
      <p>
        <Link href={"/settings/knowledge?site=" + site.id}>{t("settings.knowledge")} →</Link>
      </p>
    </div>
  );
}

type CardProps = { site: Site; save: (b: Partial<Site>) => Promise<void>; manager: boolean };

function InstallCard({ site, save, manager, setSite }: CardProps & { setSite: (s: Site) => void }) {
  const [origins, setOrigins] = useState(site.allowed_origins.join("\n"));
  const [secret, setSecret] = useState("");
  const [busy, error, saved, run] = useSave();
  const [rbusy, rerror, , rrun] = useSave();
  const snippet = site.snippet || `<script async src="${location.origin}/widget.js" data-site="${site.key}"></script>`;
  return (
    <Card title={t("sites.install")} testid="install-card">
      <Field label={t("sites.snippet")} hint={t("sites.snippetHint")}>
        <textarea class="mono" rows={3} readOnly value={snippet} data-testid="snippet" />
      </Field>
      <CopyButton text={snippet} label={t("sites.copySnippet")} testid="copy-snippet" />
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

function PublishCard({ site, save, manager }: CardProps) {
  const [busy, error, , run] = useSave();
  const [locale, setLocale] = useState(site.default_locale || "");
  return (
    <Card title={t("sites.publishing")}>
      <p data-testid="publish-state">{site.paused ? t("sites.pausedText") : t("sites.liveText")}</p>
      {manager && (
        <button type="button" class={site.paused ? "primary" : ""} disabled={busy} onClick={() => run(() => save({ paused: !site.paused }))} data-testid="pause-toggle">
          {site.paused ? t("sites.publish") : t("sites.pause")}
        </button>
      )}
      <Field label={t("sites.defaultLanguage")}>
        <select
          value={locale}
          disabled={!manager}
          onChange={(e) => {
            const v = val(e);
            setLocale(v);
            run(() => save({ default_locale: v }));
          }}
        >
          <option value="">{t("lang.auto")}</option>
          <option value="en">English</option>
          <option value="ru">Русский</option>
        </select>
      </Field>
      <ErrorBox error={error} />
    </Card>
  );
}

function AppearanceCard({ site, save, manager }: CardProps) {
  const [a, setA] = useState<Appearance>({ ...site.appearance });
  const [busy, error, saved, run] = useSave();
  const set = (k: keyof Appearance) => (e: any) => setA({ ...a, [k]: val(e) });
  return (
    <Card title={t("sites.appearance")} testid="appearance-card">
      <div class="grid2">
        <Field label={t("sites.color")}>
          <span class="color-row">
            <input type="color" value={a.color} disabled={!manager} onInput={set("color")} />
            <input class="mono" value={a.color} disabled={!manager} onInput={set("color")} size={8} />
          </span>
        </Field>
        <Field label={t("sites.position")}>
          <select value={a.position} disabled={!manager} onChange={set("position")}>
            <option value="right">{t("sites.right")}</option>
            <option value="left">{t("sites.left")}</option>
          </select>
        </Field>
        <Field label={t("sites.launcherLabel")}>
          <input value={a.launcher_label} maxLength={40} disabled={!manager} onInput={set("launcher_label")} />
        </Field>
        <Field label={t("sites.assistantName")}>
          <input value={a.assistant_name || ""} maxLength={40} disabled={!manager} onInput={set("assistant_name")} />
        </Field>
        <Field label={t("sites.assistantAvatar")} hint={t("sites.avatarHint")}>
          <input type="url" value={a.assistant_avatar || ""} disabled={!manager} onInput={set("assistant_avatar")} />
        </Field>
        <Field label={t("sites.agentAvatar")} hint={t("sites.avatarHint")}>
          <input type="url" value={a.agent_avatar || ""} disabled={!manager} onInput={set("agent_avatar")} />
        </Field>
      </div>
      <Field label={t("sites.greeting")}>
        <textarea rows={2} maxLength={500} value={a.greeting} disabled={!manager} onInput={set("greeting")} />
      </Field>
      <div class="preview" aria-hidden="true">
        <span class="preview-launcher" style={{ background: /^#[0-9a-f]{6}$/i.test(a.color) ? a.color : "#4F46E5", [a.position === "left" ? "left" : "right"]: "8px" }}>
          {a.launcher_label || "💬"}
        </span>
      </div>
      {manager && <SaveRow busy={busy} error={error} saved={saved} onSave={() => run(() => save({ appearance: a }))} />}
    </Card>
  );
}

function TicketsCard({ site, save, manager }: CardProps) {
  const [email, setEmail] = useState(site.support_email || "");
  const [busy, error, saved, run] = useSave();
  return (
    <Card title={t("sites.tickets")} hint={t("sites.ticketsHint")} testid="tickets-card">
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

/**
 * Knowledge is a site's knowledge base (/settings/knowledge?site=<id>).
 * With &entry=<id> (the decision trace's links, trace.tsx) it shows that
 * entry: highlighted, and open in the editor for those who may edit it;
 * an entry deleted since is said to be.
 */
function Knowledge({ manager }: { manager: boolean }) {
  const [sites, sitesErr] = useSites();
  const q = useStore(loc).query;
  const siteId = +(q.get("site") || 0) || (sites && sites[0]?.id) || 0;
  const entry = +(q.get("entry") || 0);
  const [items, setItems] = useState<KnowledgeEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [edit, setEdit] = useState<Partial<KnowledgeEntry> | null>(null);
  const [busy, saveErr, , run] = useSave();
  const shown = useRef(0);
  useEffect(() => {
    if (!siteId) return;
    setItems(null);
    get<Page<KnowledgeEntry>>(`/sites/${siteId}/knowledge`).then((p) => setItems(p.items || []), setError);
  }, [siteId]);
  const target = entry && items ? items.find((k) => k.id === entry) : undefined;
  useEffect(() => {
    if (!target || shown.current === target.id) return;
    shown.current = target.id;
    document.getElementById("kb-" + target.id)?.scrollIntoView({ block: "center" });
    if (manager) setEdit(target);
  }, [target]);
  return (
    <div class="cards">
      <Card title={t("settings.knowledge")} hint={t("kb.hint")} testid="knowledge">
        {sites && sites.length > 1 && (
          <Field label={t("conv.site")}>
            <select value={String(siteId)} onChange={(e) => navigate("/settings/knowledge?site=" + val(e))}>
              {sites.map((s) => (
                <option value={String(s.id)}>{s.name}</option>
              ))}
            </select>
          </Field>
        )}
        <ErrorBox error={sitesErr || error} />
        {manager && (
          <p class="row-actions">
            <button type="button" onClick={() => setEdit({ kind: "qa", title: "", body: "" })} data-testid="kb-new-qa">
              {t("kb.newQA")}
            </button>
            <button type="button" onClick={() => setEdit({ kind: "article", title: "", body: "" })}>
              {t("kb.newArticle")}
            </button>
          </p>
        )}
        {items && !items.length && <p class="muted">{t("kb.none")}</p>}
        {entry && items && !target ? (
          <p class="warning" role="status" data-testid="kb-entry-gone">
            {t("kb.entryGone", { id: entry })}
          </p>
        ) : null}
        <ul class="kb-list">
          {(items || []).map((k) => (
            <li id={"kb-" + k.id} class={k.id === entry ? "sel" : ""} data-testid="kb-entry" data-id={k.id}>
              <span class="badge">{k.kind === "qa" ? t("kb.qa") : t("kb.article")}</span> <strong>{k.title}</strong>
              <p class="muted clamp">{k.body}</p>
              {manager && (
                <RowActions
                  onEdit={() => setEdit(k)}
                  onDelete={() =>
                    run(async () => {
                      await del("/knowledge/" + k.id);
                      setItems((items || []).filter((x) => x.id !== k.id));
                    })
                  }
                />
              )}
            </li>
          ))}
        </ul>
        <ErrorBox error={!edit && saveErr} />
      </Card>
      {edit && (
        <Modal title={edit.id ? t("common.edit") : edit.kind === "qa" ? t("kb.newQA") : t("kb.newArticle")} onClose={() => setEdit(null)}>
          <Field label={edit.kind === "qa" ? t("kb.question") : t("kb.title")}>
            <input value={edit.title || ""} onInput={(e) => setEdit({ ...edit, title: val(e) })} data-testid="kb-title" />
          </Field>
          <Field label={edit.kind === "qa" ? t("kb.answer") : t("kb.body")}>
            <textarea rows={edit.kind === "qa" ? 5 : 12} value={edit.body || ""} onInput={(e) => setEdit({ ...edit, body: val(e) })} data-testid="kb-body" />
          </Field>
          <SaveRow
            busy={busy}
            error={saveErr}
            saved={false}
            disabled={!edit.title?.trim() || !edit.body?.trim()}
            onSave={() =>
              run(async () => {
                if (edit.id) {
                  const k = await patch<KnowledgeEntry>("/knowledge/" + edit.id, { title: edit.title, body: edit.body, kind: edit.kind });
                  setItems((items || []).map((x) => (x.id === k.id ? k : x)));
                } else {
                  const k = await post<KnowledgeEntry>(`/sites/${siteId}/knowledge`, { kind: edit.kind, title: edit.title, body: edit.body });
                  setItems([...(items || []), k]);
                }
                setEdit(null);
              })
            }
          />
        </Modal>
      )}
    </div>
  );
}

const ROLES: Role[] = ["owner", "admin", "agent"];

function Team({ manager }: { manager: boolean }) {
  const mine = useStore(me);
  const [team, setTeam] = useState<Member[] | null>(null);
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [missing, setMissing] = useState(false);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("agent");
  const [busy, saveErr, saved, run] = useSave();
  const load = () => {
    get<Page<Member>>("/members").then(
      (p) => setTeam(p.items || []),
      (e) => (e instanceof ApiError && e.missing ? setMissing(true) : setError(e)),
    );
    if (manager) get<Page<Invite>>("/invites").then((p) => setInvites(p.items || []), () => setInvites(null));
  };
  useEffect(load, [manager]);
  const isOwner = mine?.role === "owner" && manager;
  return (
    <div class="cards">
      <Card title={t("team.members")} testid="team">
        {missing && <Missing what={t("team.members")} />}
        <ErrorBox error={error || saveErr} />
        <table class="table">
          <thead>
            <tr>
              <th>{t("visitor.name")}</th>
              <th>{t("auth.email")}</th>
              <th>{t("team.role")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(team || []).map((m) => (
              <tr data-testid="member-row">
                <td>
                  <span class={"dot" + (m.online ? " on" : "")} aria-hidden="true" /> {m.name}
                  {m.id === mine?.id && <span class="muted"> ({t("tickets.me")})</span>}
                </td>
                <td>{m.email}</td>
                <td>
                  {manager && m.id !== mine?.id && (isOwner || m.role !== "owner") ? (
                    <select
                      value={m.role}
                      aria-label={t("team.role")}
                      onChange={(e) =>
                        run(async () => {
                          const u = await patch<Member>("/members/" + m.id, { role: val(e) });
                          setTeam((team || []).map((x) => (x.id === m.id ? { ...x, ...u } : x)));
                        })
                      }
                    >
                      {ROLES.filter((r) => isOwner || r !== "owner").map((r) => (
                        <option value={r}>{t(("role." + r) as any)}</option>
                      ))}
                    </select>
                  ) : (
                    t(("role." + m.role) as any)
                  )}
                </td>
                <td>
                  {manager && m.id !== mine?.id && (isOwner || m.role !== "owner") && (
                    <button
                      type="button"
                      class="small danger"
                      onClick={() =>
                        confirm(t("team.removeConfirm", { name: m.name || m.email })) &&
                        run(async () => {
                          await del("/members/" + m.id);
                          setTeam((team || []).filter((x) => x.id !== m.id));
                          loadMembers();
                        })
                      }
                    >
                      {t("team.remove")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      {manager && (
        <Card title={t("team.invite")} hint={t("team.inviteHint")}>
          <div class="inline-form">
            <input type="email" placeholder={t("auth.email")} aria-label={t("auth.email")} value={email} onInput={(e) => setEmail(val(e))} data-testid="invite-email" />
            <select value={role} aria-label={t("team.role")} onChange={(e) => setRole(val(e) as Role)}>
              {ROLES.filter((r) => isOwner || r !== "owner").map((r) => (
                <option value={r}>{t(("role." + r) as any)}</option>
              ))}
            </select>
            <button
              type="button"
              class="primary"
              disabled={busy || !email.trim()}
              data-testid="invite-send"
              onClick={() =>
                run(async () => {
                  const inv = await post<Invite>("/invites", { email: email.trim(), role });
                  setInvites([...(invites || []), inv]);
                  setEmail("");
                })
              }
            >
              {t("team.sendInvite")}
            </button>
          </div>
          {saved && <p class="ok">{t("team.invited")}</p>}
          <h3>{t("team.pending")}</h3>
          {invites === null ? (
            <Missing what={t("team.pending")} />
          ) : !invites.length ? (
            <p class="muted">{t("team.noPending")}</p>
          ) : (
            <ul class="plain-list" data-testid="invites">
              {invites.map((i) => (
                <li>
                  {i.email} · {t(("role." + i.role) as any)} <span class="muted">{i.expires_at ? t("team.expires", { when: fmtDateTime(i.expires_at) }) : ""}</span>{" "}
                  <button
                    type="button"
                    class="small"
                    onClick={() =>
                      run(async () => {
                        await del("/invites/" + i.id);
                        setInvites(invites.filter((x) => x.id !== i.id));
                      })
                    }
                  >
                    {t("team.revoke")}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Card>
      )}
    </div>
  );
}

function CannedSettings({ manager }: { manager: boolean }) {
  const [items, setItems] = useState<Canned[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [edit, setEdit] = useState<Partial<Canned> | null>(null);
  const [busy, saveErr, , run] = useSave();
  useEffect(() => {
    get<Page<Canned>>("/canned-responses").then((p) => setItems(p.items || []), setError);
  }, []);
  return (
    <div class="cards">
      <Card title={t("settings.canned")} hint={t("canned.hint")} testid="canned">
        {error instanceof ApiError && error.missing ? <Missing what={t("settings.canned")} /> : <ErrorBox error={error} />}
        {manager && !error && (
          <button type="button" onClick={() => setEdit({ title: "", body: "" })} data-testid="canned-new">
            {t("canned.new")}
          </button>
        )}
        {items && !items.length && <p class="muted">{t("canned.none")}</p>}
        <ul class="kb-list">
          {(items || []).map((c) => (
            <li>
              <strong>{c.title}</strong>
              <p class="muted clamp">{c.body}</p>
              {manager && (
                <RowActions
                  onEdit={() => setEdit(c)}
                  onDelete={() =>
                    run(async () => {
                      await del("/canned-responses/" + c.id);
                      setItems((items || []).filter((x) => x.id !== c.id));
                    })
                  }
                />
              )}
            </li>
          ))}
        </ul>
        <ErrorBox error={!edit && saveErr} />
      </Card>
      {edit && (
        <Modal title={edit.id ? t("common.edit") : t("canned.new")} onClose={() => setEdit(null)}>
          <Field label={t("kb.title")}>
            <input value={edit.title || ""} onInput={(e) => setEdit({ ...edit, title: val(e) })} />
          </Field>
          <Field label={t("kb.body")}>
            <textarea rows={6} value={edit.body || ""} onInput={(e) => setEdit({ ...edit, body: val(e) })} />
          </Field>
          <SaveRow
            busy={busy}
            error={saveErr}
            saved={false}
            disabled={!edit.title?.trim() || !edit.body?.trim()}
            onSave={() =>
              run(async () => {
                const body = { title: edit.title, body: edit.body };
                if (edit.id) {
                  const c = await patch<Canned>("/canned-responses/" + edit.id, body);
                  setItems((items || []).map((x) => (x.id === c.id ? c : x)));
                } else {
                  const c = await post<Canned>("/canned-responses", body);
                  setItems([...(items || []), c]);
                }
                setEdit(null);
              })
            }
          />
        </Modal>
      )}
    </div>
  );
}

function Profile() {
  const mine = useStore(me);
  const l = useStore(lang);
  const [name, setName] = useState(mine?.name || "");
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [busy, error, saved, run] = useSave();
  return (
    <div class="cards">
      <Card title={t("settings.profile")} testid="profile">
        <Field label={t("auth.email")}>
          <input value={mine?.email || ""} disabled />
        </Field>
        <Field label={t("auth.name")}>
          <input value={name} onInput={(e) => setName(val(e))} />
        </Field>
        <Field label={t("profile.language")}>
          <select value={l} onChange={(e) => setLang(val(e) as any, true)}>
            {LANGS.map(([k, label]) => (
              <option value={k}>{label}</option>
            ))}
          </select>
        </Field>
        <h3>{t("profile.changePassword")}</h3>
        <Field label={t("profile.currentPassword")}>
          <input type="password" autoComplete="current-password" value={current} onInput={(e) => setCurrent(val(e))} />
        </Field>
        <Field label={t("auth.newPassword")} hint={t("auth.passwordHint", { n: 10 })}>
          <input type="password" autoComplete="new-password" minLength={10} value={password} onInput={(e) => setPassword(val(e))} />
        </Field>
        <SaveRow
          busy={busy}
          error={error}
          saved={saved}
          onSave={() =>
            run(async () => {
              const body: Record<string, string> = { name: name.trim() };
              if (password) Object.assign(body, { password, current_password: current });
              me.set({ ...mine!, ...(await patch<Member>("/me", body)) });
              setCurrent("");
              setPassword("");
            })
          }
        />
      </Card>
    </div>
  );
}

/** RowActions are a list row's Edit and Delete buttons; Delete asks first. */
function RowActions({ onEdit, onDelete }: { onEdit: () => void; onDelete: () => void }) {
  return (
    <span class="row-actions">
      <button type="button" class="small" onClick={onEdit}>
        {t("common.edit")}
      </button>
      <button type="button" class="small danger" onClick={() => confirm(t("common.confirmDelete")) && onDelete()}>
        {t("common.delete")}
      </button>
    </span>
  );
}
