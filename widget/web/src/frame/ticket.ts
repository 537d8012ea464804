// The "Open a support ticket" form a downvote offers (004 "Support
// Tickets"): email (prefilled from the visitor's identity), subject and
// description. It sits over the thread like a dialog, keeps focus inside,
// and gives focus back to the thread when it closes.
import { button, el, field, setFieldError, validEmail } from "./dom";
import type { Strings } from "./i18n";

export interface TicketInput {
  email: string;
  subject: string;
  description: string;
}

/** The outcome of a create: the ticket's reference, or an error to show. */
export type TicketResult = { ref: string } | { error: string };

export interface TicketFormOptions {
  parent: HTMLElement;
  t: Strings;
  email: string;
  subject: string;
  /** create sends the ticket; it resolves once the server answered. */
  create(input: TicketInput): Promise<TicketResult>;
  /** done is called after the form is gone; it puts the focus back. */
  done(ref: string): void;
}

export function openTicketForm(o: TicketFormOptions) {
  const { t } = o;
  const box = el("section", "tk", o.parent);
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-modal", "true");
  box.setAttribute("aria-labelledby", "tk-h");
  const h = el("h2", "", box);
  h.id = "tk-h";
  h.textContent = t.ticketTitle;
  const form = el("form", "", box);
  form.noValidate = true; // our own messages, in the widget's language
  el("p", "hint", form).textContent = t.ticketHint;
  const email = field(form, "input", t.email, "email");
  email.input.type = "email";
  email.input.autocomplete = "email";
  email.input.maxLength = 254;
  email.input.value = o.email;
  const subject = field(form, "input", t.subject, "subject");
  subject.input.maxLength = 200;
  subject.input.value = o.subject;
  const desc = field(form, "textarea", t.description, "description");
  desc.input.rows = 4;
  desc.input.maxLength = 16000;
  const alert = el("p", "ferr", form);
  alert.setAttribute("role", "alert");
  const row = el("div", "row", form);
  const cancel = button("sec", t.cancel, row);
  const create = button("pri", t.createTicket, row, "submit");
  let busy = false;

  function close(ref: string) {
    box.remove();
    removeEventListener("keydown", onKey, true);
    o.done(ref);
  }

  function onKey(e: KeyboardEvent) {
    if (e.key === "Escape") {
      e.stopPropagation();
      e.preventDefault();
      close("");
    } else if (e.key === "Tab") {
      // Keep focus inside the dialog.
      const f = Array.from(box.querySelectorAll<HTMLElement>("input, textarea, button")).filter((x) => !(x as HTMLButtonElement).disabled);
      const first = f[0];
      const last = f[f.length - 1];
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  }
  addEventListener("keydown", onKey, true);

  cancel.onclick = () => close("");
  form.onsubmit = async (e) => {
    e.preventDefault();
    if (busy) return;
    const input = { email: email.input.value.trim(), subject: subject.input.value.trim(), description: desc.input.value.trim() };
    setFieldError(email, validEmail(input.email) ? "" : t.badEmail);
    setFieldError(subject, input.subject ? "" : t.needSubject);
    alert.textContent = "";
    const bad = box.querySelector<HTMLElement>("[aria-invalid]");
    if (bad) return bad.focus();
    busy = create.disabled = true;
    create.textContent = t.creating;
    const r = await o.create(input);
    busy = create.disabled = false;
    create.textContent = t.createTicket;
    if ("error" in r) {
      alert.textContent = r.error;
      return;
    }
    // Done: say so, with the ticket's number, until the visitor closes it.
    form.remove();
    const ok = el("p", "ok", box);
    ok.setAttribute("role", "status");
    ok.textContent = t.ticketCreated.replace("{ref}", r.ref);
    const back = button("pri", t.backToChat, box);
    back.onclick = () => close(r.ref);
    back.focus();
  };
  (email.input.value ? (subject.input.value ? desc.input : subject.input) : email.input).focus();
}
