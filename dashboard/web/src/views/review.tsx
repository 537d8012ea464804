// "Mark response as unhelpful" (000 "How to report an AI response"): the
// four-step review of one assistant message, in the app's one Modal.
// Step 1 shows the automatic diagnostics of the message's decision trace,
// step 2 the instructions and tools, step 3 asks what went wrong, step 4
// sums it up, previews the context report and sends the request, which
// opens a ticket for the AI training team (On Customer, in Support).
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { get, post } from "../api";
import { applySupport, contactsSupport, me } from "../data";
import { t } from "../i18n";
import { Link } from "../router";
import { useStore } from "../store";
import type { ReviewContext, SupportTicket } from "../types";
import { ErrorBox, Field, Modal, val } from "../ui";
import { traceLanguage, traceSource } from "./trace";

/** CAUSES are step 3's causes, in 000's order (hub.ReviewCauses). */
export const CAUSES = ["inaccuracy", "misunderstood", "unused_knowledge", "tone", "length", "other"] as const;

/** Verdict is where the reviewer left steps 1 and 2 (hub's Verdict*). */
type Verdict = "instructions" | "instructions_ok" | "other";


export function ReviewDialog({ messageId, onClose }: { messageId: number; onClose: () => void }) {
  const mine = useStore(me);
  const [step, setStep] = useState(1);
  const [ctx, setCtx] = useState<ReviewContext | null>(null);
  const [loading, setLoading] = useState(true);
  const [verdict, setVerdict] = useState<Verdict>("other");
  const [expected, setExpected] = useState("");
  const [cause, setCause] = useState<string>(CAUSES[0]);
  const [comments, setComments] = useState("");
  const [report, setReport] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState<SupportTicket | null>(null);
  const body = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let gone = false;
    get<ReviewContext>("/support/reviews/" + messageId)
      .then((c) => !gone && setCtx(c), () => {}) // the fallback text says it
      .finally(() => !gone && setLoading(false));
    return () => {
      gone = true;
    };
  }, [messageId]);

  // Each step starts at its top (or its first field): the control that
  // had the focus may be gone, and the dialog keeps the keyboard.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const box = body.current;
    if (!box) return;
    (box.querySelector<HTMLElement>("[data-focus]") || box).focus();
  }, [step, report !== null, !!sent]);

  const review = () => ({ message_id: messageId, verdict, expected: expected.trim(), cause, comments: comments.trim() });
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const go = (n: number) => {
    setError(null);
    setStep(n);
  };
  const trace = ctx?.trace;
  const causeLabel = t(("review.cause." + cause) as any);

  let title: string;
  let content: ComponentChildren;
  let actions: ComponentChildren;
  if (sent) {
    title = t("review.sentTitle");
    content = (
      <div data-testid="review-sent">
        <p>{t("review.sentText", { ref: sent.ref })}</p>
        {contactsSupport(mine) ? (
          <p>
            <Link href={"/support/" + sent.id} onClick={onClose} data-testid="review-ticket-link" data-focus>
              {t("review.openTicket", { ref: sent.ref })}
            </Link>
          </p>
        ) : (
          <p class="muted">{t("review.sentAgent")}</p>
        )}
      </div>
    );
    actions = (
      <button type="button" class="primary" onClick={onClose} data-testid="review-close">
        {t("common.close")}
      </button>
    );
  } else if (step === 1) {
    title = t("review.step1");
    content = (
      <>
        <p class="muted">{t("review.step1Intro")}</p>
        {loading ? (
          <p class="muted">{t("common.loading")}</p>
        ) : trace ? (
          <ul class="diagnostics" data-testid="review-diagnostics">
            <li data-testid="review-language">{t("review.language", { lang: traceLanguage(trace) })}</li>
            <li>
              <details data-testid="review-tools">
                <summary>{t("review.toolsUsed", { n: (trace.tools || []).length })}</summary>
                {(trace.tools || []).length ? (
                  <ul>
                    {(trace.tools || []).map((u) => (
                      <li>
                        <code>{u.name}</code>
                        {u.input ? " — " + t("review.toolInput", { v: u.input }) : ""}
                        {u.result ? " → " + u.result : ""}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p class="muted">{t("review.noTools")}</p>
                )}
                {(trace.sources || []).length > 0 && (
                  <ul>
                    {(trace.sources || []).map((src) => (
                      <li>
                        {t("review.kbEntry", { title: src.title })}
                        {src.used ? " ✓" : ""}
                      </li>
                    ))}
                  </ul>
                )}
              </details>
            </li>
            <li data-testid="review-source">{t("review.did", { source: traceSource(trace) || t("review.source.none") })}</li>
            <li data-testid="review-decision">{t("review.decision", { decision: trace.decision || "—" })}</li>
          </ul>
        ) : (
          <p class="warning" role="status" data-testid="review-no-diagnostics">
            {t("review.noDiagnostics")}
          </p>
        )}
        {ctx && (
          <ol class="messages review-timeline" aria-label={t("review.timeline")}>
            {ctx.question && (
              <li class="msg visitor">
                <div class="meta">
                  <span class="who">{t("label.user")}</span>
                </div>
                <div class="body">{ctx.question}</div>
              </li>
            )}
            <li class="msg assistant">
              <div class="meta">
                <span class="who">{t("label.assistant")}</span>
              </div>
              <div class="body">{ctx.answer}</div>
            </li>
          </ol>
        )}
      </>
    );
    actions = (
      <>
        <button type="button" onClick={onClose} data-testid="review-cancel">
          {t("review.cancel")}
        </button>
        <button type="button" disabled={loading} onClick={() => go(2)} data-testid="review-settings">
          {t("review.settings")}
        </button>
        <button
          type="button"
          class="primary"
          disabled={loading}
          onClick={() => {
            setVerdict("other");
            go(3);
          }}
          data-testid="review-other"
        >
          {t("review.other")}
        </button>
      </>
    );
  } else if (step === 2) {
    const used = new Set((trace?.tools || []).map((u) => u.name));
    title = t("review.step2");
    content = (
      <>
        <p class="warning">{t("review.step2Text")}</p>
        <h3>{t("review.tools")}</h3>
        <ul class="plain-list" data-testid="review-tool-list">
          {(ctx?.tools || []).map((name) => (
            <li>
              <code>{name}</code>
              <span class={used.has(name) ? "ok" : "muted"}>{used.has(name) ? t("review.toolUsed") : t("review.toolNotUsed")}</span>
            </li>
          ))}
        </ul>
        <h3>{t("review.instructions")}</h3>
        <pre class="instructions-text" data-testid="review-instructions">
          {ctx ? ctx.instructions || t("review.noInstructions") : t("review.noDiagnostics")}
        </pre>
        <p class="hint">
          {t("review.instructionsTip")}{" "}
          <a href="/settings/sites" target="_blank" rel="noopener">
            {t("settings.sites")} ↗
          </a>
        </p>
      </>
    );
    actions = (
      <>
        <button type="button" onClick={() => go(1)} data-testid="review-back">
          {t("review.back")}
        </button>
        <button
          type="button"
          onClick={() => {
            setVerdict("instructions");
            go(3);
          }}
          data-testid="review-instructions"
        >
          {t("review.itsInstructions")}
        </button>
        <button
          type="button"
          class="primary"
          onClick={() => {
            setVerdict("instructions_ok");
            go(3);
          }}
          data-testid="review-instructions-ok"
        >
          {t("review.instructionsFine")}
        </button>
      </>
    );
  } else if (step === 3) {
    title = t("review.step3");
    content = (
      <>
        <Field label={t("review.expected")}>
          <textarea rows={4} required aria-required="true" value={expected} onInput={(e) => setExpected(val(e))} data-testid="review-expected" data-focus />
        </Field>
        <Field label={t("review.cause")}>
          <select value={cause} onChange={(e) => setCause(val(e))} data-testid="review-cause">
            {CAUSES.map((c) => (
              <option value={c}>{t(("review.cause." + c) as any)}</option>
            ))}
          </select>
        </Field>
        <Field label={t("review.comments")}>
          <textarea rows={3} value={comments} onInput={(e) => setComments(val(e))} data-testid="review-comments" />
        </Field>
      </>
    );
    actions = (
      <>
        <button type="button" onClick={() => go(verdict === "other" ? 1 : 2)} data-testid="review-back">
          {t("review.back")}
        </button>
        <button type="button" class="primary" disabled={!expected.trim()} onClick={() => go(4)} data-testid="review-next">
          {t("review.next")}
        </button>
      </>
    );
  } else if (report !== null) {
    title = t("review.reportTitle");
    content = (
      <pre class="report" data-testid="review-report">
        {report}
      </pre>
    );
    actions = (
      <button type="button" onClick={() => setReport(null)} data-testid="review-report-back" data-focus>
        {t("review.back")}
      </button>
    );
  } else {
    title = t("review.step4");
    content = (
      <>
        <p class="summary" data-testid="review-summary">
          {t("review.summary", { expected: expected.trim(), cause: causeLabel })}
        </p>
        <p>{t("review.goesTo")}</p>
        <p>
          <strong>{t("review.attached")}</strong>
        </p>
        <p>
          <button
            type="button"
            class="link"
            disabled={busy}
            onClick={() => run(async () => setReport((await post<{ report: string }>("/support/reviews/preview", review())).report))}
            data-testid="review-report-link"
          >
            {t("review.openReport")}
          </button>
        </p>
      </>
    );
    actions = (
      <>
        <button type="button" onClick={() => go(3)} data-testid="review-back">
          {t("review.back")}
        </button>
        <button
          type="button"
          class="primary"
          disabled={busy}
          onClick={() =>
            run(async () => {
              const tk = await post<SupportTicket>("/support/reviews", review());
              if (contactsSupport(me.value)) applySupport(tk);
              setSent(tk);
            })
          }
          data-testid="review-send"
        >
          {t("review.send")}
        </button>
      </>
    );
  }
  return (
    <Modal title={title} onClose={onClose} testid="review">
      <div class="review-step" ref={body} tabIndex={-1} data-step={sent ? "sent" : report !== null ? "report" : String(step)}>
        {content}
      </div>
      <ErrorBox error={error} />
      <div class="modal-actions">{actions}</div>
    </Modal>
  );
}
