// The message box under a thread: the text, a paperclip for files (or a
// pasted image), and Send. Enter sends, Shift+Enter breaks the line.
import { button, el } from "./dom";
import type { Strings } from "./i18n";

const FILE_TYPES = "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,.zip,.docx,.xlsx,.pptx,.odt,.ods";

export interface ComposerHost {
  submit(body: string): void;
  files(files: File[]): void;
  typing(): void;
}

export class Composer {
  readonly form: HTMLFormElement;
  readonly input: HTMLTextAreaElement;
  private attachBtn: HTMLButtonElement;
  private sendBtn: HTMLButtonElement;

  constructor(parent: HTMLElement, h: ComposerHost) {
    this.form = el("form", "c", parent);
    this.attachBtn = button("att", "", this.form);
    this.attachBtn.innerHTML = // a constant icon
      '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z"/></svg>';
    const fileInput = el("input", "", this.form);
    fileInput.type = "file";
    fileInput.accept = FILE_TYPES;
    fileInput.hidden = true;
    this.input = el("textarea", "", this.form);
    this.input.rows = 1;
    this.input.maxLength = 16000;
    this.sendBtn = button("send", "", this.form, "submit");
    this.sendBtn.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 20l18-8L3 4v6l12 2-12 2z"/></svg>';

    const submit = () => {
      const body = this.input.value.trim();
      if (!body) return;
      this.input.value = "";
      h.submit(body);
    };
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      submit();
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        submit();
      }
    });
    this.input.addEventListener("input", () => h.typing());
    this.input.addEventListener("paste", (e) => {
      const files = e.clipboardData ? Array.from(e.clipboardData.files) : [];
      if (files.length) {
        e.preventDefault();
        h.files(files);
      }
    });
    this.attachBtn.onclick = () => fileInput.click();
    fileInput.onchange = () => {
      h.files(Array.from(fileInput.files || []));
      fileInput.value = "";
    };
  }

  applyStrings(t: Strings): void {
    this.input.setAttribute("aria-label", t.message);
    this.input.placeholder = t.placeholder;
    this.sendBtn.setAttribute("aria-label", t.send);
    this.attachBtn.setAttribute("aria-label", t.attach);
  }
}
