/**
 * The browser script: every `<form method="post" action="/_action">` of the page, sent with
 * `fetch` instead of a page load (as SvelteKit's `enhance` does), on the generated client's
 * runtime (authstage/codegen/tsruntime: its envelope reading, errors and refresh lists). Loaded by `{{ authstage_script() }}`, which the plugin
 * installs (authstage/script.py); bundled by scripts/build-enhance into
 * authstage/static/enhance.js.
 *
 * A form is posted as the browser would post it (its own FormData: the hidden `_action` and
 * `_bound`, every field, its files as multipart), with the action ID in `Authstage-Action`, so
 * the reply is the JSON envelope instead of a 303, and with the page's regions in
 * `Authstage-Refresh`, so the reply also carries the fresh HTML of those the action revalidated
 * (regions.ts). No app's action list is compiled in: the IDs come from the page.
 *
 * While the call runs the form is pending (its buttons disabled: no double submit). Then:
 * a redirect is followed; otherwise the refreshed regions are swapped in, `data-reset` resets
 * the form and `data-success` shows its status. An error shows in place, as the no-JS page
 * would render it (feedback.ts): field errors by their inputs, the rest in the form's alert;
 * an optimistic toggle is undone; a network failure is a form error too, never a silent
 * no-op; an expired session (`UNAUTHORIZED`) goes to the login page and back.
 *
 * Settings come from the script element's attributes (`data-endpoint`, `data-login`,
 * `data-max-refresh`), written by the plugin. A form with `data-enhance="off"` is left alone.
 * Each settled submission fires `authstage:settled` on its form (`detail.ok`, `detail.error`).
 */

import { ActionError, TransportError, isActionError } from "../codegen/tsruntime/errors.js";
import { asciiJson, freshOf, refreshList } from "../codegen/tsruntime/refresh.js";
import { parseReply, replyOf } from "../codegen/tsruntime/wire.js";
import type { Reply } from "../codegen/tsruntime/wire.js";
import { applyOptimistic, clearMessages, markPending, showErrors, showStatus } from "./feedback.js";
import { collectRegions, swap } from "./regions.js";

const script = document.currentScript;
const endpoint = script?.dataset["endpoint"] ?? "/_action";
const loginUrl = script?.dataset["login"] ?? "/login";
const maxRefresh = Number(script?.dataset["maxRefresh"] ?? "8") || 8;

/** Forms being sent, and how to put back those left pending by a redirect. */
const pending = new WeakSet<HTMLFormElement>();
const leftPending = new Set<() => void>();

/** A submit button: by the HTML standard, the only elements an event's `submitter` can be. */
type Submitter = HTMLButtonElement | HTMLInputElement;

/** True when the form posts to this site's action endpoint and does not opt out. */
function enhanced(form: HTMLFormElement, submitter: Submitter | null): boolean {
  if (form.dataset["enhance"] === "off" || form.method !== "post") {
    return false;
  }
  const target = submitter?.hasAttribute("formaction") ? submitter.formAction : form.action;
  const url = new URL(target, location.href);
  return url.origin === location.origin && url.pathname === endpoint;
}

/** The request body: multipart when the form has file inputs, else urlencoded, as a browser. */
function bodyOf(form: HTMLFormElement, data: FormData, headers: Record<string, string>): string | FormData {
  const multipart = form.enctype === "multipart/form-data" || form.querySelector('input[type="file"]') !== null;
  if (multipart) {
    for (const [name, value] of [...data.entries()]) {
      if (value instanceof File && value.name === "" && value.size === 0) {
        data.delete(name); // an empty file input: no file chosen
      }
    }
    return data;
  }
  const fields = new URLSearchParams();
  for (const [name, value] of data.entries()) {
    fields.append(name, typeof value === "string" ? value : value.name);
  }
  headers["content-type"] = "application/x-www-form-urlencoded;charset=UTF-8";
  return fields.toString();
}

/** What to tell the user about `error`, in words. */
function messagesOf(error: unknown): string[] {
  if (error instanceof ActionError) {
    let message = error.message;
    if (error.retryAfter !== undefined) {
      message += ` Try again in ${error.retryAfter} s.`;
    }
    if (error.digest !== undefined) {
      message += ` (reference ${error.digest})`;
    }
    return [message, ...error.formErrors];
  }
  if (error instanceof TransportError && error.status === undefined) {
    return ["Could not reach the server: check your connection and try again."];
  }
  if (error instanceof TransportError) {
    return [`The server could not handle this (status ${error.status}); try again.`];
  }
  return [`Something went wrong: ${String(error)}`];
}

/**
 * POST one call and read its envelope with the runtime's `parseReply` / `replyOf`. The
 * runtime's `Client` is not used: it resolves action names through the manifest, and the page
 * already holds the IDs (leaving it out halves the script).
 */
async function post(id: string, headers: Record<string, string>, body: string | FormData): Promise<Reply<unknown>> {
  let status: number;
  let type: string;
  let text: string;
  try {
    const response = await fetch(endpoint, { method: "POST", headers, body, credentials: "same-origin" });
    status = response.status;
    type = response.headers.get("content-type") ?? "";
    text = await response.text();
  } catch (error) {
    throw new TransportError(`no reply (${String(error)})`, { action: id, cause: error });
  }
  return replyOf<unknown>(id, status, parseReply(id, status, type, text));
}

function settled(form: HTMLFormElement, error: unknown): void {
  const detail = { ok: error === undefined, error };
  form.dispatchEvent(new CustomEvent("authstage:settled", { bubbles: true, detail }));
}

/** End the pending state; the element focused at submit gets the focus back if nothing has it. */
function settle(form: HTMLFormElement, restore: () => void, focused: Element | null): void {
  restore();
  pending.delete(form);
  const active = document.activeElement;
  if ((active === null || active === document.body) && focused instanceof HTMLElement && focused.isConnected) {
    focused.focus();
  }
}

async function submit(form: HTMLFormElement, id: string, data: FormData): Promise<void> {
  const focused = document.activeElement; // disabling the buttons takes it away
  const restore = markPending(form);
  pending.add(form);
  let stayPending = false;
  let failure: unknown;
  const undo = applyOptimistic(form);
  const regions = collectRegions(document, maxRefresh);
  const headers: Record<string, string> = { "authstage-action": id, accept: "application/json" };
  if (regions.queries.length > 0) {
    headers["authstage-refresh"] = asciiJson(refreshList(regions.queries, (name) => name));
  }
  try {
    const reply = await post(id, headers, bodyOf(form, data, headers));
    clearMessages(form);
    if (reply.redirect !== undefined) {
      stayPending = true; // until the next page replaces this one
      leftPending.add(() => settle(form, restore, null));
      location.assign(reply.redirect);
      return;
    }
    if (regions.queries.length > 0) {
      try {
        swap(regions, freshOf(id, regions.queries, reply.refresh), focused);
      } catch (error) {
        console.warn("authstage: regions not refreshed", error);
      }
    }
    if (form.hasAttribute("data-reset")) {
      form.reset();
    }
    const success = form.dataset["success"];
    if (success !== undefined && success !== "") {
      showStatus(form, success);
    }
  } catch (error) {
    undo?.();
    if (isActionError(error, "UNAUTHORIZED")) {
      stayPending = true;
      leftPending.add(() => settle(form, restore, null));
      // As the server writes it (guards.py: quote(path, safe="/")): slashes stay readable.
      const next = encodeURIComponent(location.pathname + location.search).replace(/%2F/g, "/");
      location.assign(`${loginUrl}?next=${next}`);
      return;
    }
    failure = error;
    showErrors(form, messagesOf(error), error instanceof ActionError ? error.fieldErrors : {});
  } finally {
    if (!stayPending) {
      settle(form, restore, focused);
      settled(form, failure);
    }
  }
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  const submitter = event.submitter as Submitter | null;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented || !enhanced(form, submitter)) {
    return;
  }
  if (pending.has(form)) {
    event.preventDefault(); // no double submit, by a second click or Enter
    return;
  }
  const question = form.dataset["confirm"];
  if (question !== undefined && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  const data = new FormData(form, submitter);
  const id = data.get("_action");
  if (typeof id !== "string" || id === "") {
    return; // not an action form after all: the browser posts it (and the server says why)
  }
  event.preventDefault();
  void submit(form, id, data);
});

// Back to a page left by a redirect (the back/forward cache): its forms are usable again.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) {
    for (const restore of leftPending) {
      restore();
    }
    leftPending.clear();
  }
});
