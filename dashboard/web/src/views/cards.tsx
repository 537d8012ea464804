// The pieces settings pages are made of: a titled card, a save with its
// outcome, and the row with the save button.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { t } from "../i18n";
import type { Site } from "../types";
import { ErrorBox } from "../ui";

/** CardProps are what a card of a site's settings gets. */
export type CardProps = { site: Site; save: (b: Partial<Site>) => Promise<void>; manager: boolean };

export function Card(props: { title: string; children: ComponentChildren; testid?: string; hint?: string }) {
  return (
    <section class="card" data-testid={props.testid}>
      <h2>{props.title}</h2>
      {props.hint && <p class="hint">{props.hint}</p>}
      {props.children}
    </section>
  );
}

/** useSave runs a save and tells how it went. */
export function useSave(): [boolean, unknown, boolean, (fn: () => Promise<void>) => Promise<void>] {
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

export function SaveRow({ busy, error, saved, disabled, onSave, label, testid }: { busy: boolean; error: unknown; saved: boolean; disabled?: boolean; onSave: () => void; label?: string; testid?: string }) {
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

