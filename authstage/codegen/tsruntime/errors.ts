/**
 * What a call can reject with: `ActionError` (the server answered with one of the protocol's
 * error codes) or `TransportError` (no usable answer: the connection failed or dropped, the
 * reply was not JSON, e.g. a proxy's HTML 502, or it carried a code this client does not
 * know). An aborted call rejects with the signal's `AbortError`, untouched, so libraries that
 * recognise cancellation (TanStack Query) keep doing so.
 */

// <error-table> rendered from authstage/errors.py CODE_STATUS by `authstage codegen`
/** The protocol's error codes (docs/protocol.md). */
export type ErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "CROSS_SITE"
  | "NOT_FOUND"
  | "STALE_CLIENT"
  | "METHOD_NOT_ALLOWED"
  | "CONFLICT"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "VALIDATION"
  | "RATE_LIMITED"
  | "INTERNAL"
  | "UNAVAILABLE";

/** Every error code, with the HTTP status that goes with it. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CROSS_SITE: 403,
  NOT_FOUND: 404,
  STALE_CLIENT: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};
// </error-table>

/** True when `code` is one of the protocol's error codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(ERROR_STATUS, code);
}

/** The fields of an error as the server sends them. */
export interface ErrorInit {
  code: ErrorCode;
  message: string;
  action: string;
  status: number;
  fieldErrors?: Record<string, string[]>;
  formErrors?: string[];
  digest?: string;
  retryAfter?: number;
}

/** The server refused or failed the call with one of the protocol's error codes. */
export class ActionError extends Error {
  override readonly name = "ActionError";
  /** The error code: switch on it. */
  readonly code: ErrorCode;
  /** The action called (its stable name). */
  readonly action: string;
  /** The HTTP status of the reply. */
  readonly status: number;
  /** Messages per input name, as a form names its inputs (`title`, `tags[0]`). */
  readonly fieldErrors: Readonly<Record<string, string[]>>;
  /** Messages that belong to no single field. */
  readonly formErrors: readonly string[];
  /** On `INTERNAL` errors: the key to the server log line with the traceback. */
  readonly digest: string | undefined;
  /** On `RATE_LIMITED`: seconds until the next call is allowed. */
  readonly retryAfter: number | undefined;

  constructor(init: ErrorInit) {
    super(init.message);
    this.code = init.code;
    this.action = init.action;
    this.status = init.status;
    this.fieldErrors = init.fieldErrors ?? {};
    this.formErrors = init.formErrors ?? [];
    this.digest = init.digest;
    this.retryAfter = init.retryAfter;
  }
}

/** No usable answer: connection failure, a reply that is not an action reply, an unknown code. */
export class TransportError extends Error {
  override readonly name = "TransportError";
  /** The action called (its stable name). */
  readonly action: string;
  /** The HTTP status, when a reply arrived. */
  readonly status: number | undefined;
  /** The error code of a reply whose code this client does not know. */
  readonly code: string | undefined;

  constructor(
    message: string,
    init: { action: string; status?: number; code?: string; cause?: unknown },
  ) {
    super(`${init.action}: ${message}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.action = init.action;
    this.status = init.status;
    this.code = init.code;
  }
}

/** True when `error` is an `ActionError` (with `code`, when given). */
export function isActionError<C extends ErrorCode>(
  error: unknown,
  code?: C,
): error is ActionError & { readonly code: C } {
  return error instanceof ActionError && (code === undefined || error.code === code);
}

/** True when `error` is a `VALIDATION` error: show its `fieldErrors` and `formErrors`. */
export function isValidationError(
  error: unknown,
): error is ActionError & { readonly code: "VALIDATION" } {
  return isActionError(error, "VALIDATION");
}

/** True when `error` is the rejection of an aborted call. */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    "name" in error &&
    (error.name === "AbortError" || error.name === "TimeoutError")
  );
}
