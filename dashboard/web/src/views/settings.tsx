// Settings: sites (sites.tsx; each site's Builder, builder.tsx, has its
// widget and its look), the knowledge base, team and roles, canned
// responses, API tokens (tokens.tsx) and the member's own profile.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, del, get, patch, post } from "../api";
import { loadMembers, manages, me, readOnly } from "../data";
import { lang, LANGS, setLang, t } from "../i18n";
import { Link, loc, navigate } from "../router";
import { useStore } from "../store";
import type { Canned, Invite, KnowledgeEntry, Member, Page, Role, Site } from "../types";
import { ErrorBox, Field, fmtDateTime, Missing, Modal, val } from "../ui";
import { Card, SaveRow, useSave } from "./cards";
import { SiteList, SiteSettings, useSites } from "./sites";
import { Tokens } from "./tokens";

const SECTIONS = ["sites", "knowledge", "team", "canned", "tokens", "profile"] as const;

/** SettingsView is a section of Settings; a site's page has two tabs, its settings and its Builder (tab "builder"). */
export function SettingsView({ section, id, tab = "" }: { section: string; id: number; tab?: string }) {
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
      {!manager && section !== "profile" && section !== "tokens" && <p class="muted">{t("settings.readOnly")}</p>}
      {section === "sites" && (id ? <SiteSettings key={id} id={id} tab={tab} manager={manager} /> : <SiteList manager={manager} />)}
      {section === "knowledge" && <Knowledge manager={manager} />}
      {section === "team" && <Team manager={manager} />}
      {section === "canned" && <CannedSettings manager={manager} />}
      {section === "tokens" && <Tokens manager={manager} />}
      {section === "profile" && (readOnly() ? <p class="muted">{t("view.readOnly")}</p> : <Profile />)}
    </div>
  );
}

/** KnowledgeDraft is an entry in the editor: its phrasings as the textarea holds them, one per line, and "" for a language to detect. */
type KnowledgeDraft = Omit<Partial<KnowledgeEntry>, "language"> & { language?: "" | "en" | "ru"; phrasingsText?: string };

const draftOf = (k: KnowledgeEntry): KnowledgeDraft => ({ ...k, phrasingsText: (k.phrasings || []).join("\n") });

/** lines splits a textarea into its non-blank lines, trimmed. */
const lines = (s: string) =>
  s
    .split("\n")
    .map((x) => x.trim())
    .filter(Boolean);

function Knowledge({ manager }: { manager: boolean }) {
  const [sites, sitesErr, setSites] = useSites();
  const q = useStore(loc).query;
  const siteId = +(q.get("site") || 0) || (sites && sites[0]?.id) || 0;
  const entry = +(q.get("entry") || 0);
  const [items, setItems] = useState<KnowledgeEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [edit, setEdit] = useState<KnowledgeDraft | null>(null);
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
    if (manager) setEdit(draftOf(target));
  }, [target]);
  const site = sites?.find((s) => s.id === siteId);
  // Originals this entry may translate: the site's other entries that are not translations themselves.
  const originals = (items || []).filter((k) => k.id !== edit?.id && !k.translation_of);
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
            <button type="button" onClick={() => setEdit({ kind: "qa", title: "", body: "", language: "", phrasingsText: "" })} data-testid="kb-new-qa">
              {t("kb.newQA")}
            </button>
            <button type="button" onClick={() => setEdit({ kind: "article", title: "", body: "", language: "", phrasingsText: "" })}>
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
              <span class="badge">{k.kind === "qa" ? t("kb.qa") : t("kb.article")}</span>{" "}
              <span class="badge" data-testid="kb-entry-language">
                {k.language}
              </span>{" "}
              <strong>{k.title}</strong>
              {k.translation_of ? <span class="muted"> · {t("kb.translates", { id: k.translation_of })}</span> : null}
              {k.phrasings?.length ? <p class="muted clamp">{t("kb.phrasings")}: {k.phrasings.join(" · ")}</p> : null}
              <p class="muted clamp">{k.body}</p>
              {manager && (
                <RowActions
                  onEdit={() => setEdit(draftOf(k))}
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
      {site && <Synonyms key={site.id} site={site} manager={manager} onSaved={(s) => setSites((sites || []).map((x) => (x.id === s.id ? s : x)))} />}
      {edit && (
        <Modal title={edit.id ? t("common.edit") : edit.kind === "qa" ? t("kb.newQA") : t("kb.newArticle")} onClose={() => setEdit(null)}>
          <Field label={edit.kind === "qa" ? t("kb.question") : t("kb.title")}>
            <input value={edit.title || ""} onInput={(e) => setEdit({ ...edit, title: val(e) })} data-testid="kb-title" />
          </Field>
          <Field label={edit.kind === "qa" ? t("kb.answer") : t("kb.body")}>
            <textarea rows={edit.kind === "qa" ? 5 : 12} value={edit.body || ""} onInput={(e) => setEdit({ ...edit, body: val(e) })} data-testid="kb-body" />
          </Field>
          <Field label={t("kb.phrasings")} hint={t("kb.phrasingsHint")}>
            <textarea rows={3} value={edit.phrasingsText || ""} onInput={(e) => setEdit({ ...edit, phrasingsText: val(e) })} data-testid="kb-phrasings" />
          </Field>
          <Field label={t("kb.language")}>
            <select value={edit.language || ""} onChange={(e) => setEdit({ ...edit, language: val(e) as KnowledgeDraft["language"] })} data-testid="kb-language">
              <option value="">{t("kb.languageAuto")}</option>
              <option value="en">{t("kb.lang.en")}</option>
              <option value="ru">{t("kb.lang.ru")}</option>
            </select>
          </Field>
          <Field label={t("kb.translationOf")} hint={t("kb.translationHint")}>
            <select
              value={String(edit.translation_of || 0)}
              onChange={(e) => setEdit({ ...edit, translation_of: +val(e) || 0 })}
              data-testid="kb-translation-of"
            >
              <option value="0">{t("kb.translationNone")}</option>
              {originals.map((k) => (
                <option value={String(k.id)}>
                  #{k.id} {k.title} ({k.language})
                </option>
              ))}
            </select>
          </Field>
          <SaveRow
            busy={busy}
            error={saveErr}
            saved={false}
            disabled={!edit.title?.trim() || !edit.body?.trim()}
            onSave={() =>
              run(async () => {
                const fields = {
                  kind: edit.kind,
                  title: edit.title,
                  body: edit.body,
                  language: edit.language || "",
                  phrasings: lines(edit.phrasingsText || ""),
                  translation_of: edit.translation_of || 0,
                };
                if (edit.id) {
                  const k = await patch<KnowledgeEntry>("/knowledge/" + edit.id, fields);
                  setItems((items || []).map((x) => (x.id === k.id ? k : x)));
                } else {
                  const k = await post<KnowledgeEntry>(`/sites/${siteId}/knowledge`, fields);
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

/** Synonyms edits a site's own synonym groups: one group per line, its words separated by commas. */
function Synonyms({ site, manager, onSaved }: { site: Site; manager: boolean; onSaved: (s: Site) => void }) {
  const show = (groups: string[][]) => (groups || []).map((g) => g.join(", ")).join("\n");
  const [text, setText] = useState(show(site.synonyms));
  const [busy, error, saved, run] = useSave();
  return (
    <Card title={t("kb.synonyms")} hint={t("kb.synonymsHint")} testid="kb-synonyms-card">
      <textarea rows={5} value={text} readOnly={!manager} onInput={(e) => setText(val(e))} data-testid="kb-synonyms" />
      {manager && (
        <SaveRow
          busy={busy}
          error={error}
          saved={saved}
          testid="kb-synonyms-save"
          onSave={() =>
            run(async () => {
              const synonyms = lines(text).map((l) =>
                l
                  .split(",")
                  .map((w) => w.trim())
                  .filter(Boolean),
              );
              const s = await patch<Site>("/sites/" + site.id, { synonyms });
              setText(show(s.synonyms));
              onSaved(s);
            })
          }
        />
      )}
    </Card>
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
