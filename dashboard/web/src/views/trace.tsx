// The assistant's decision trace (hub.DecisionTrace, docs/assistant.md), as
// sentences under its message: the language, who answered, what was
// searched, which knowledge-base entries matched with what score (linked to
// the entry in Settings → Knowledge base, unless it was deleted since), the
// tools, why it decided, and the fallback. Never the raw JSON.
import { useEffect, useState } from "preact/hooks";
import { get } from "../api";
import { convs } from "../data";
import { type Key, t } from "../i18n";
import { Link } from "../router";
import { useStore } from "../store";
import type { DecisionTrace, KBSource, KBTerm, KnowledgeEntry, Page, ToolUse } from "../types";

/** knowledgePath is where Settings shows a site's knowledge-base entry (settings.tsx, Knowledge). */
export const knowledgePath = (site: number, entry: number) => `/settings/knowledge?site=${site}&entry=${entry}`;

/** KNOWN_FOR is how long a site's list of entries is trusted before it is read again. */
const KNOWN_FOR = 60000;
const known = new Map<number, { at: number; ids: Promise<Set<number>> }>();

/** knowledgeIds reads the ids of a site's knowledge-base entries, once a minute at most. */
function knowledgeIds(site: number): Promise<Set<number>> {
  const hit = known.get(site);
  if (hit && Date.now() - hit.at < KNOWN_FOR) return hit.ids;
  const ids = get<Page<KnowledgeEntry>>(`/sites/${site}/knowledge`).then((p) => new Set((p.items || []).map((e) => e.id)));
  known.set(site, { at: Date.now(), ids });
  ids.catch(() => known.delete(site));
  return ids;
}

/** useKnowledgeIds is the site's entry ids, null while they load or when they cannot be read. */
function useKnowledgeIds(site: number, wanted: boolean): Set<number> | null {
  const [ids, setIds] = useState<Set<number> | null>(null);
  useEffect(() => {
    if (!site || !wanted) return;
    let gone = false;
    knowledgeIds(site).then(
      (s) => !gone && setIds(s),
      () => {},
    );
    return () => {
      gone = true;
    };
  }, [site, wanted]);
  return ids;
}

const LANGUAGES: Record<string, Key> = { en: "review.lang.en", ru: "review.lang.ru" };
const SOURCES: Record<string, Key> = { knowledge_base: "review.source.kb", model: "review.source.model", both: "review.source.both" };

/** traceLanguage names the language the assistant recognised (here and in the review, review.tsx). */
export const traceLanguage = (trace: DecisionTrace) => t(LANGUAGES[trace.language] || "review.lang.none");

/** traceSource says where the answer came from, "" when the trace does not say. */
export const traceSource = (trace: DecisionTrace) => (SOURCES[trace.answer_source || ""] ? t(SOURCES[trace.answer_source!]) : "");

/** asTrace returns the message's trace when it looks like one. */
export function asTrace(v: unknown): DecisionTrace | null {
  return v && typeof v === "object" && typeof (v as DecisionTrace).decision === "string" ? (v as DecisionTrace) : null;
}

const INTENTS = ["refund", "account_change", "order_details", "subscription", "billing_dispute", "exception", "technical", "complaint", "human"];

/** ToolLine says what one tool call did. */
function ToolLine({ u }: { u: ToolUse }) {
  if (u.name === "knowledge_search") {
    const n = /^(\d+) entries$/.exec(u.result || "");
    const result = n ? t("trace.found", { n: n[1] }) : u.result === "search failed" ? t("trace.searchFailed") : u.result || "";
    return <li data-testid="trace-search">{t("trace.searched", { query: u.input || "", result })}</li>;
  }
  if (u.name === "collect_email") {
    const result = u.result === "valid" ? t("trace.emailValid") : u.result === "invalid" ? t("trace.emailInvalid") : u.result || "";
    return <li data-testid="trace-tool">{t("trace.email", { email: u.input || "", result })}</li>;
  }
  return (
    <li data-testid="trace-tool">
      {t("trace.tool", { name: u.name })}
      {u.input ? " " + t("trace.toolInput", { v: u.input }) : ""}
      {u.result ? " " + t("trace.toolResult", { v: u.result }) : ""}
    </li>
  );
}

/** termText is one weighed word: its weight, where the entry has it and how. */
function termText(w: KBTerm): string {
  let where = t(w.in === "title" ? "trace.term.title" : w.in === "body" ? "trace.term.body" : "trace.term.none");
  if (w.via === "typo" || w.via === "synonym") where += ", " + t(w.via === "typo" ? "trace.term.typo" : "trace.term.synonym");
  return t("trace.term", { word: w.word, weight: w.weight.toFixed(2), where });
}

/** Source names one knowledge-base entry, linked while it exists. */
function Source({ s, site, ids }: { s: KBSource; site: number; ids: Set<number> | null }) {
  const title = s.title || t("trace.untitled", { id: s.entry_id });
  const gone = !!ids && !ids.has(s.entry_id);
  return (
    <li data-testid="trace-source" data-entry={s.entry_id} data-used={s.used ? "1" : "0"}>
      {site && ids && !gone ? (
        <Link href={knowledgePath(site, s.entry_id)} data-testid="trace-source-link">
          {title}
        </Link>
      ) : (
        <span>{title}</span>
      )}
      {" — " + t("trace.score", { score: s.score.toFixed(2) })}
      {s.lexical || s.semantic
        ? " (" + t("trace.fused", { lexical: (s.lexical || 0).toFixed(2), semantic: (s.semantic || 0).toFixed(2) }) + ")"
        : ""}
      {s.used ? " · " + t("trace.used") : ""}
      {gone ? " · " + t("trace.deleted") : ""}
      {s.terms && s.terms.length > 0 ? (
        <div class="trace-terms" data-testid="trace-terms">
          {t("trace.terms") + ": " + s.terms.map(termText).join("; ")}
        </div>
      ) : null}
    </li>
  );
}

/**
 * TraceView shows a message's decision trace as readable text. conversationId
 * finds the site whose knowledge base the entries are from.
 */
export function TraceView({ trace, conversationId, open }: { trace: DecisionTrace; conversationId: number; open?: boolean }) {
  const all = useStore(convs);
  const site = all[conversationId]?.site_id || 0;
  const sources = trace.sources || [];
  const ids = useKnowledgeIds(site, sources.length > 0);
  const model = trace.provider?.startsWith("model:") ? trace.provider.slice(6) : "";
  const lang = traceLanguage(trace);
  const source = traceSource(trace);
  return (
    <details class="trace" open={open} data-testid="trace">
      <summary>{t("thread.trace")}</summary>
      <ul class="trace-lines">
        <li data-testid="trace-language">{t("trace.language", { lang })}</li>
        <li data-testid="trace-provider">{model ? t("trace.model", { model }) : t("trace.builtin")}</li>
        {trace.fallback && <li data-testid="trace-fallback">{t("trace.fallback", { why: trace.fallback })}</li>}
        {(trace.tools || []).map((u) => (
          <ToolLine u={u} />
        ))}
        {sources.length > 0 ? (
          <li data-testid="trace-sources">
            {t("trace.matched")}
            <ol class="trace-sources">
              {sources.map((s) => (
                <Source s={s} site={site} ids={ids} />
              ))}
            </ol>
          </li>
        ) : (
          (trace.tools || []).some((u) => u.name === "knowledge_search") && <li>{t("trace.noMatches")}</li>
        )}
        {trace.intent && (
          <li data-testid="trace-intent">{t("trace.intent", { intent: INTENTS.includes(trace.intent) ? t(("trace.intent." + trace.intent) as any) : trace.intent })}</li>
        )}
        {source && <li data-testid="trace-source-kind">{t("trace.did", { source })}</li>}
        <li data-testid="trace-decision">{t("trace.decision", { decision: trace.decision || "—" })}</li>
      </ul>
    </details>
  );
}
