// Settings → API tokens (docs/integrations.md "API tokens"): owners and
// admins list the workspace's tokens with their scope, expiry and last
// use, create one (its secret is shown once) and revoke one. The server
// decides everything (hub/apitoken.go); this page only hides the section
// from those it would refuse.
import { useEffect, useState } from "preact/hooks";
import { del, get, post } from "../api";
import { members } from "../data";
import { t } from "../i18n";
import { useStore } from "../store";
import type { APIToken, Page, Scope } from "../types";
import { CopyButton, ErrorBox, fmtDateTime, Missing, Modal, val } from "../ui";
import { Card, useSave } from "./cards";

const SCOPES: Scope[] = ["read", "write", "admin"];

/** Expiry choices, in days; 0 is never. */
const EXPIRIES = [30, 90, 365, 0];

export function Tokens({ manager }: { manager: boolean }) {
  const [items, setItems] = useState<APIToken[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [name, setName] = useState("");
  const [scope, setScope] = useState<Scope>("read");
  const [days, setDays] = useState(90);
  const [secret, setSecret] = useState("");
  const [busy, saveErr, , run] = useSave();
  const team = useStore(members);
  useEffect(() => {
    if (manager) get<Page<APIToken>>("/tokens").then((p) => setItems(p.items || []), setError);
  }, [manager]);
  if (!manager) return <p class="muted">{t("tokens.managersOnly")}</p>;
  const who = (id: number) => team.find((m) => m.id === id)?.name || "#" + id;
  const create = () =>
    run(async () => {
      const expires_at = days ? new Date(Date.now() + days * 86400_000).toISOString() : null;
      const tok = await post<APIToken & { secret: string }>("/tokens", { name: name.trim(), scope, expires_at });
      const { secret, ...listed } = tok;
      setItems((cur) => [listed, ...(cur || [])]);
      setSecret(secret);
      setName("");
    });
  return (
    <div class="cards">
      <Card title={t("tokens.title")} hint={t("tokens.hint")} testid="tokens">
        <div class="inline-form">
          <input placeholder={t("tokens.name")} aria-label={t("tokens.name")} value={name} maxLength={80} onInput={(e) => setName(val(e))} data-testid="token-name" />
          <select value={scope} aria-label={t("tokens.scope")} onChange={(e) => setScope(val(e) as Scope)} data-testid="token-scope">
            {SCOPES.map((s) => (
              <option value={s}>{t(("tokens.scope." + s) as any)}</option>
            ))}
          </select>
          <select value={days} aria-label={t("tokens.expiry")} onChange={(e) => setDays(+val(e))} data-testid="token-expiry">
            {EXPIRIES.map((d) => (
              <option value={d}>{d ? t("tokens.days", { n: d }) : t("tokens.never")}</option>
            ))}
          </select>
          <button type="button" class="primary" disabled={busy || !name.trim() || items === null} onClick={create} data-testid="token-create">
            {t("tokens.create")}
          </button>
        </div>
        <p class="hint">{t(("tokens.scopeHint." + scope) as any)}</p>
        <ErrorBox error={saveErr} />
        {error ? <Missing what={t("tokens.title")} /> : null}
        {items && !items.length && (
          <p class="muted" data-testid="token-none">
            {t("tokens.none")}
          </p>
        )}
        {items && items.length > 0 && (
          <table class="table" data-testid="token-list">
            <thead>
              <tr>
                <th>{t("tokens.name")}</th>
                <th>{t("tokens.scope")}</th>
                <th>{t("tokens.createdBy")}</th>
                <th>{t("tokens.expiry")}</th>
                <th>{t("tokens.lastUsed")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((k) => (
                <tr data-testid="token-row">
                  <td>
                    {k.name} <span class="muted mono">…{k.hint}</span>
                  </td>
                  <td>{t(("tokens.scope." + k.scope) as any)}</td>
                  <td>
                    {who(k.created_by)} <span class="muted">{fmtDateTime(k.created_at)}</span>
                  </td>
                  <td>{k.expires_at ? (new Date(k.expires_at) <= new Date() ? t("tokens.expired") : fmtDateTime(k.expires_at)) : t("tokens.never")}</td>
                  <td>{k.last_used_at ? fmtDateTime(k.last_used_at) : t("tokens.unused")}</td>
                  <td>
                    <button
                      type="button"
                      class="small danger"
                      data-testid="token-revoke"
                      onClick={() =>
                        confirm(t("tokens.revokeConfirm", { name: k.name })) &&
                        run(async () => {
                          await del("/tokens/" + k.id);
                          setItems((items || []).filter((x) => x.id !== k.id));
                        })
                      }
                    >
                      {t("tokens.revoke")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {secret && (
        <Modal title={t("tokens.secretTitle")} onClose={() => setSecret("")} testid="token-secret-modal">
          <p>{t("tokens.secretOnce")}</p>
          <p class="secret mono" data-testid="token-secret">
            {secret}
          </p>
          <CopyButton text={secret} />
          <p class="hint">{t("tokens.usage")}</p>
        </Modal>
      )}
    </div>
  );
}
