/**
 * The wire protocol without I/O: request bodies and reading replies (docs/protocol.md).
 *
 * A call's arguments travel as one JSON object (`undefined` arguments are left out, so the
 * server's default applies); a call with a `Blob`/`File` argument travels as multipart, one
 * part per file and the other arguments as JSON in the `_args` field. A reply is checked to be
 * a well-formed envelope before anything is read from it: anything else becomes a
 * `TransportError` saying what came back, never a parse crash.
 */

import { ActionError, ERROR_STATUS, TransportError, isErrorCode } from "./errors.js";

/** Paths and tags an action changed: refresh whatever shows them. */
export interface Revalidation {
  paths: string[];
  tags: string[];
}

/** A successful call: its value and what the action asked the client to do. */
export interface Reply<T> {
  data: T;
  redirect: string | undefined;
  revalidate: Revalidation | undefined;
  /** The entries of the reads the call asked to refresh, as sent (refresh.ts reads them). */
  refresh: unknown;
}

/** The server's table of action IDs (`GET /_action/manifest`). */
export interface Manifest {
  version: number;
  manifest: string;
  contract: string;
  actions: Record<string, string>;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFile(value: unknown): value is Blob {
  return typeof Blob !== "undefined" && value instanceof Blob;
}

/** True when the arguments hold a file (or a list of files): the call goes as multipart. */
export function hasFiles(args: Json): boolean {
  return Object.values(args).some(
    (value) => isFile(value) || (Array.isArray(value) && value.some(isFile)),
  );
}

/** The request body of one call: JSON, or `FormData` when it carries files. */
export function callBody(args: Json): { body: string | FormData; json: boolean } {
  if (!hasFiles(args)) {
    return { body: JSON.stringify(args), json: true };
  }
  const form = new FormData();
  const rest: Json = {};
  for (const [name, value] of Object.entries(args)) {
    const items = Array.isArray(value) && value.some(isFile) ? value : [value];
    if (items.every((item) => isFile(item) || item === null || item === undefined)) {
      for (const item of items) {
        if (isFile(item)) {
          form.append(name, item, "name" in item && typeof item.name === "string" ? item.name : name);
        }
      }
    } else {
      rest[name] = value;
    }
  }
  form.append("_args", JSON.stringify(rest));
  return { body: form, json: false };
}

function preview(status: number, type: string, text: string): string {
  const kind = type.split(";", 1)[0]?.trim() || "no content type";
  const start = text.slice(0, 80).replace(/\s+/g, " ");
  return `the server answered ${status} with ${kind}, not an action reply: ${JSON.stringify(start)}`;
}

/** The JSON of a reply's text, or a `TransportError` naming what it was instead. */
export function parseReply(action: string, status: number, type: string, text: string): Json {
  if (!type.startsWith("application/json")) {
    throw new TransportError(preview(status, type, text), { action, status });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new TransportError(preview(status, type, text), { action, status });
  }
  if (!isObject(body) || typeof body["ok"] !== "boolean") {
    throw new TransportError(preview(status, type, text), { action, status });
  }
  return body;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The error an envelope with `ok: false` carries, as the right error class. */
export function errorOf(action: string, status: number, envelope: Json): Error {
  const error = envelope["error"];
  if (!isObject(error) || typeof error["code"] !== "string") {
    return new TransportError(`a ${status} reply without an error`, { action, status });
  }
  const code = error["code"];
  const message = typeof error["message"] === "string" ? error["message"] : code;
  if (!isErrorCode(code)) {
    const text = `unknown error code ${JSON.stringify(code)} (${status}): ${message}`;
    return new TransportError(text, { action, status, code });
  }
  const fields = isObject(error["fieldErrors"]) ? error["fieldErrors"] : {};
  return new ActionError({
    code,
    message,
    action,
    status: status || ERROR_STATUS[code],
    fieldErrors: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, strings(v)])),
    formErrors: strings(error["formErrors"]),
    ...(typeof error["digest"] === "string" ? { digest: error["digest"] } : {}),
    ...(typeof error["retryAfter"] === "number" ? { retryAfter: error["retryAfter"] } : {}),
  });
}

/** The reply of an envelope: its value, or the error it carries (thrown). */
export function replyOf<T>(action: string, status: number, envelope: Json): Reply<T> {
  if (envelope["ok"] !== true) {
    throw errorOf(action, status, envelope);
  }
  const revalidate = envelope["revalidate"];
  return {
    data: envelope["data"] as T,
    redirect: typeof envelope["redirect"] === "string" ? envelope["redirect"] : undefined,
    revalidate: isObject(revalidate)
      ? { paths: strings(revalidate["paths"]), tags: strings(revalidate["tags"]) }
      : undefined,
    refresh: envelope["refresh"],
  };
}

/** The per-call envelopes of a batch reply (`{"ok": true, "results": [...]}`). */
export function batchResults(action: string, status: number, envelope: Json, count: number): Json[] {
  if (envelope["ok"] !== true) {
    throw errorOf(action, status, envelope);
  }
  const results = envelope["results"];
  if (!Array.isArray(results) || results.length !== count || !results.every(isObject)) {
    throw new TransportError(`a batch reply without ${count} results`, { action, status });
  }
  return results;
}

/** The status of a batched call's envelope (the batch has one status for all). */
export function statusOf(envelope: Json): number {
  const error = envelope["error"];
  const code = isObject(error) ? error["code"] : undefined;
  return isErrorCode(code) ? ERROR_STATUS[code] : envelope["ok"] === true ? 200 : 500;
}

/** The manifest in a reply, checked. */
export function manifestOf(status: number, type: string, text: string): Manifest {
  let body: unknown;
  try {
    body = type.startsWith("application/json") ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (
    status !== 200 ||
    !isObject(body) ||
    body["version"] !== 1 ||
    typeof body["manifest"] !== "string" ||
    typeof body["contract"] !== "string" ||
    !isObject(body["actions"])
  ) {
    throw new TransportError(preview(status, type, text), { action: "manifest", status });
  }
  return body as unknown as Manifest;
}
