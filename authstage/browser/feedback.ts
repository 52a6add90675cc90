/**
 * What a form shows while and after it is sent: the pending state of its submit buttons, field
 * errors next to their inputs, the form's own error and its success status, and the optimistic
 * toggle that is undone on an error.
 *
 * The markup is the one the server renders for a form posted without JavaScript
 * (actions/templates/_macros.html): `<p class="error" data-field="NAME">` right after the
 * input named NAME (after its `<label>` when the label wraps it), `<p class="error"
 * role="alert">` for the form's own error and `<p role="status">` for a success message, so a
 * page looks the same whichever way the form went. Old messages are removed before new ones are
 * shown, including those the server rendered.
 */

const SUBMITS = 'button:not([type]), button[type="submit"], input[type="submit"]';

/** The form's submit buttons, those outside it naming it with `form=` included. */
function submitButtons(form: HTMLFormElement): HTMLElement[] {
  return Array.from(form.elements).filter(
    (element): element is HTMLElement => element instanceof HTMLElement && element.matches(SUBMITS),
  );
}

function setLabel(button: HTMLElement, text: string): void {
  if (button instanceof HTMLInputElement) {
    button.value = text;
  } else {
    button.textContent = text;
  }
}

/**
 * Mark `form` pending: every submit button disabled with `aria-busy`, showing its
 * `data-pending-text`. Returns the function that puts everything back.
 */
export function markPending(form: HTMLFormElement): () => void {
  const undo: (() => void)[] = [];
  form.setAttribute("aria-busy", "true");
  for (const button of submitButtons(form)) {
    const wasDisabled = button.hasAttribute("disabled");
    const pending = button.dataset["pendingText"];
    const label = button instanceof HTMLInputElement ? button.value : button.innerHTML;
    button.setAttribute("disabled", "");
    button.setAttribute("aria-busy", "true");
    if (pending !== undefined) {
      setLabel(button, pending);
    }
    undo.push(() => {
      if (!wasDisabled) {
        button.removeAttribute("disabled");
      }
      button.removeAttribute("aria-busy");
      if (pending !== undefined) {
        if (button instanceof HTMLInputElement) {
          button.value = label;
        } else {
          button.innerHTML = label;
        }
      }
    });
  }
  return () => {
    form.removeAttribute("aria-busy");
    for (const step of undo) {
      step();
    }
  };
}

/**
 * Apply `data-optimistic="toggle:CLASS"`: toggle CLASS on the form's closest `[data-item]`
 * (or the form) and flip `aria-pressed` on its submit buttons that carry it. Returns the undo,
 * or nothing when the form asks for no optimistic update.
 */
export function applyOptimistic(form: HTMLFormElement): (() => void) | undefined {
  const spec = form.dataset["optimistic"];
  const match = spec === undefined ? null : /^toggle:(\S+)$/.exec(spec.trim());
  if (match === null) {
    return undefined;
  }
  const name = match[1] as string;
  const target = form.closest("[data-item]") ?? form;
  const pressed = submitButtons(form).filter((button) => button.hasAttribute("aria-pressed"));
  const flip = (): void => {
    target.classList.toggle(name);
    for (const button of pressed) {
      button.setAttribute("aria-pressed", button.getAttribute("aria-pressed") === "true" ? "false" : "true");
    }
  };
  flip();
  return flip;
}

/** Remove every message a previous submission (or the server's render) left in `form`. */
export function clearMessages(form: HTMLFormElement): void {
  for (const node of form.querySelectorAll('p.error[data-field], p.error[role="alert"], p[role="status"]')) {
    node.remove();
  }
  for (const field of form.querySelectorAll('[aria-invalid="true"]')) {
    field.removeAttribute("aria-invalid");
    if (field.getAttribute("aria-describedby")?.startsWith("authstage-error-")) {
      field.removeAttribute("aria-describedby");
    }
  }
}

function paragraph(text: string, attributes: Record<string, string>): HTMLParagraphElement {
  const p = document.createElement("p");
  for (const [name, value] of Object.entries(attributes)) {
    p.setAttribute(name, value);
  }
  p.textContent = text;
  return p;
}

/** The visible input named `name` in `form` (the last of a radio group), if any. */
function fieldNamed(form: HTMLFormElement, name: string): HTMLElement | undefined {
  const selector = `:is(input, select, textarea)[name="${CSS.escape(name)}"]:not([type="hidden"])`;
  const found = form.querySelectorAll<HTMLElement>(selector);
  return found[found.length - 1];
}

let counter = 0;

/**
 * Show `fieldErrors` next to their inputs and the rest (`messages`, and errors of fields the
 * form does not show) in the form's alert. Focuses the form's first field in error (in page
 * order, whatever the server's order), else the alert,
 * so keyboard and screen-reader users land on what to fix.
 */
export function showErrors(
  form: HTMLFormElement,
  messages: readonly string[],
  fieldErrors: Readonly<Record<string, readonly string[]>>,
): void {
  clearMessages(form);
  const unplaced: string[] = [];
  for (const [name, errors] of Object.entries(fieldErrors)) {
    const field = fieldNamed(form, name);
    if (field === undefined) {
      unplaced.push(...errors);
      continue;
    }
    const label = field.closest("label");
    let anchor: Element = label !== null && form.contains(label) ? label : field;
    const ids: string[] = [];
    for (const error of errors) {
      const id = `authstage-error-${++counter}`;
      const p = paragraph(error, { class: "error", "data-field": name, id });
      anchor.after(p);
      anchor = p;
      ids.push(id);
    }
    field.setAttribute("aria-invalid", "true");
    if (!field.hasAttribute("aria-describedby")) {
      field.setAttribute("aria-describedby", ids.join(" ")); // a page's own description is kept
    }
  }
  const text = [...new Set([...messages, ...unplaced])].join(" ");
  let alert: HTMLElement | undefined;
  if (text !== "") {
    alert = paragraph(text, { class: "error", role: "alert", tabindex: "-1" });
    form.prepend(alert);
  }
  (form.querySelector<HTMLElement>('[aria-invalid="true"]') ?? alert)?.focus(); // in page order
}

/** Show `message` as the form's success status (`<p role="status">`, at the form's end). */
export function showStatus(form: HTMLFormElement, message: string): void {
  form.append(paragraph(message, { role: "status" }));
}
