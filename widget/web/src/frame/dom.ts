// Small DOM helpers shared by the frame's parts.

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, parent?: Node): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (parent) parent.appendChild(e);
  return e;
}

export function button(cls: string, text: string, parent: Node, type: "button" | "submit" = "button"): HTMLButtonElement {
  const b = el("button", cls, parent);
  b.type = type;
  b.textContent = text;
  return b;
}

/** field draws a labelled input or textarea; its error line says what is wrong. */
export function field<K extends "input" | "textarea">(
  form: HTMLElement,
  tag: K,
  label: string,
  name: string,
): { input: HTMLElementTagNameMap[K]; error: HTMLElement } {
  const id = "f-" + name;
  const l = el("label", "", form);
  l.htmlFor = id;
  l.textContent = label;
  const input = el(tag, "", form);
  input.id = id;
  input.name = name;
  const error = el("p", "ferr", form);
  error.id = id + "-err";
  error.hidden = true;
  return { input, error };
}

/** setFieldError shows text under a field (or clears it) and marks the field for screen readers. */
export function setFieldError(f: { input: HTMLElement; error: HTMLElement }, text: string) {
  f.error.textContent = text;
  f.error.hidden = !text;
  if (text) {
    f.input.setAttribute("aria-invalid", "true");
    f.input.setAttribute("aria-describedby", f.error.id);
  } else {
    f.input.removeAttribute("aria-invalid");
    f.input.removeAttribute("aria-describedby");
  }
}

// The server's loose check (hub validEmail): one @, a dot inside the
// domain, no spaces or separators, at most 254 characters.
const EMAIL = /^[^\s@<>,;]+@[^\s@<>,;.][^\s@<>,;]*\.[^\s@<>,;]*[^\s@<>,;.]$/;

export function validEmail(s: string): boolean {
  s = s.trim();
  return s.length <= 254 && EMAIL.test(s);
}
