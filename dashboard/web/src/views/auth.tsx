// Accounts: sign in, sign up, password reset (request and /reset?token=),
// accepting an invite (/invite?token=).
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, get, post } from "../api";
import { LangSwitch, t } from "../i18n";
import { Link, loc } from "../router";
import { useStore } from "../store";
import type { Member } from "../types";
import { ErrorBox, Field, val } from "../ui";

/** signedIn is called with the member once a session cookie is set. */
export type SignedIn = (m: Member) => void;

/** Card is the frame of the pages before sign-in. */
export function Card(props: { title: string; children: ComponentChildren; testid: string }) {
  return (
    <main class="auth" data-testid={props.testid}>
      <div class="auth-card">
        <div class="brand">Parley</div>
        <h1>{props.title}</h1>
        {props.children}
        <div class="auth-lang">
          <LangSwitch />
        </div>
      </div>
    </main>
  );
}

function useSubmit(): [boolean, unknown, (fn: () => Promise<void>) => (e: Event) => void] {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = (fn: () => Promise<void>) => async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return [busy, error, run];
}

const MIN_PASSWORD = 10;

export function Login({ signedIn }: { signedIn: SignedIn }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, error, run] = useSubmit();
  return (
    <Card title={t("auth.login")} testid="login">
      <form
        onSubmit={run(async () => {
          const r = await post<{ member: Member }>("/auth/login", { email, password });
          signedIn(r.member);
        })}
      >
        <Field label={t("auth.email")}>
          <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail(val(e))} data-testid="login-email" />
        </Field>
        <Field label={t("auth.password")}>
          <input type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(val(e))} data-testid="login-password" />
        </Field>
        <ErrorBox error={error} />
        <button type="submit" class="primary wide" disabled={busy} data-testid="login-submit">
          {t("auth.loginButton")}
        </button>
      </form>
      <p class="auth-links">
        <Link href="/reset">{t("auth.forgot")}</Link>
        <Link href="/signup">{t("auth.noAccount")}</Link>
      </p>
    </Card>
  );
}

export function Signup({ signedIn }: { signedIn: SignedIn }) {
  const [f, setF] = useState({ workspace: "", name: "", email: "", password: "" });
  const [busy, error, run] = useSubmit();
  const [closed, setClosed] = useState(false);
  const set = (k: keyof typeof f) => (e: any) => setF({ ...f, [k]: val(e) });
  return (
    <Card title={t("auth.signup")} testid="signup">
      {closed ? (
        <p class="muted">{t("auth.signupClosed")}</p>
      ) : (
        <form
          onSubmit={run(async () => {
            try {
              const r = await post<{ member: Member }>("/auth/signup", f);
              signedIn(r.member);
            } catch (e) {
              if (e instanceof ApiError && e.status === 403) setClosed(true);
              throw e;
            }
          })}
        >
          <Field label={t("auth.workspace")}>
            <input required value={f.workspace} onInput={set("workspace")} autoComplete="organization" />
          </Field>
          <Field label={t("auth.name")}>
            <input required value={f.name} onInput={set("name")} autoComplete="name" />
          </Field>
          <Field label={t("auth.email")}>
            <input type="email" required value={f.email} onInput={set("email")} autoComplete="email" />
          </Field>
          <Field label={t("auth.password")} hint={t("auth.passwordHint", { n: MIN_PASSWORD })}>
            <input type="password" required minLength={MIN_PASSWORD} value={f.password} onInput={set("password")} autoComplete="new-password" />
          </Field>
          <ErrorBox error={error} />
          <button type="submit" class="primary wide" disabled={busy}>
            {t("auth.signupButton")}
          </button>
        </form>
      )}
      <p class="auth-links">
        <Link href="/login">{t("auth.haveAccount")}</Link>
      </p>
    </Card>
  );
}

/** Reset is the request form, or with ?token= the new-password form. */
export function Reset() {
  const l = useStore(loc);
  const token = l.query.get("token") || "";
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const [busy, error, run] = useSubmit();
  if (!token) {
    return (
      <Card title={t("auth.reset")} testid="reset">
        {done ? (
          <p role="status">{t("auth.resetSent")}</p>
        ) : (
          <form
            onSubmit={run(async () => {
              await post("/auth/password-reset", { email });
              setDone(true);
            })}
          >
            <p class="muted">{t("auth.resetHelp")}</p>
            <Field label={t("auth.email")}>
              <input type="email" required value={email} onInput={(e) => setEmail(val(e))} autoComplete="email" />
            </Field>
            <ErrorBox error={error} />
            <button type="submit" class="primary wide" disabled={busy}>
              {t("auth.resetButton")}
            </button>
          </form>
        )}
        <p class="auth-links">
          <Link href="/login">{t("auth.backToLogin")}</Link>
        </p>
      </Card>
    );
  }
  return (
    <Card title={t("auth.newPassword")} testid="reset-confirm">
      {done ? (
        <p role="status">{t("auth.passwordChanged")}</p>
      ) : (
        <form
          onSubmit={run(async () => {
            await post("/auth/password-reset/confirm", { token, password });
            setDone(true);
          })}
        >
          <Field label={t("auth.newPassword")} hint={t("auth.passwordHint", { n: MIN_PASSWORD })}>
            <input type="password" required minLength={MIN_PASSWORD} value={password} onInput={(e) => setPassword(val(e))} autoComplete="new-password" />
          </Field>
          <ErrorBox error={error} />
          <button type="submit" class="primary wide" disabled={busy}>
            {t("auth.setPassword")}
          </button>
        </form>
      )}
      <p class="auth-links">
        <Link href="/login">{t("auth.backToLogin")}</Link>
      </p>
    </Card>
  );
}

export function Invite({ signedIn }: { signedIn: SignedIn }) {
  const l = useStore(loc);
  const token = l.query.get("token") || "";
  const [info, setInfo] = useState<{ workspace: string; email: string; role: string } | null>(null);
  const [loadErr, setLoadErr] = useState<unknown>(null);
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [busy, error, run] = useSubmit();
  useEffect(() => {
    if (!token) return;
    get<{ workspace: string; email: string; role: string }>("/auth/invites/" + encodeURIComponent(token)).then(setInfo, setLoadErr);
  }, [token]);
  return (
    <Card title={t("auth.invite")} testid="invite">
      {!token || loadErr ? (
        <p class="error" role="alert">
          {loadErr instanceof ApiError && !loadErr.missing && loadErr.status !== 404 ? loadErr.message : t("auth.inviteInvalid")}
        </p>
      ) : !info ? (
        <p class="muted">{t("common.loading")}</p>
      ) : (
        <form
          onSubmit={run(async () => {
            const r = await post<{ member: Member }>("/auth/invites/" + encodeURIComponent(token) + "/accept", { name, password });
            signedIn(r.member);
          })}
        >
          <p>{t("auth.inviteText", { workspace: info.workspace, role: t(("role." + info.role) as any) })}</p>
          <Field label={t("auth.email")}>
            <input type="email" value={info.email} disabled />
          </Field>
          <Field label={t("auth.name")}>
            <input required value={name} onInput={(e) => setName(val(e))} autoComplete="name" />
          </Field>
          <Field label={t("auth.password")} hint={t("auth.passwordHint", { n: MIN_PASSWORD })}>
            <input type="password" required minLength={MIN_PASSWORD} value={password} onInput={(e) => setPassword(val(e))} autoComplete="new-password" />
          </Field>
          <ErrorBox error={error} />
          <button type="submit" class="primary wide" disabled={busy}>
            {t("auth.acceptInvite")}
          </button>
        </form>
      )}
      <p class="auth-links">
        <Link href="/login">{t("auth.backToLogin")}</Link>
      </p>
    </Card>
  );
}
