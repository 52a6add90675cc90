/**
 * Single-flight refresh (docs/protocol.md): a mutation's reply carries the fresh values of the
 * reads the caller displays and the mutation revalidated, so a page updates in one round trip.
 *
 * A read is named by a `Query`, made by the generated `.query(...)` of a read that declares
 * what it depends on (`listTodos.query()`); a call given `{ refresh: [queries] }` sends them in
 * the `Authstage-Refresh` header (a batched call: in its `refresh` field) and resolves to
 * `{ data, refreshed }`, one `Fresh` per query in order: `refreshed: false` when the mutation
 * did not revalidate it (not re-run), else its value or its own error. The client's `onRefresh`
 * hook hears every fresh value under the query's `key`: `setQueryData(queryClient)` feeds a
 * TanStack Query cache with them.
 */

import { TransportError } from "./errors.js";
import { errorOf, statusOf } from "./wire.js";

/** A read to keep current: the action, its arguments and a cache key. */
export interface Query<V> {
  readonly action: string;
  readonly args: Record<string, unknown>;
  /** `[action name, arguments]`: use it as the TanStack `queryKey` of the same read. */
  readonly key: readonly unknown[];
  /** Never set: carries the read's value type. */
  readonly __value?: V;
}

/** What became of one query after the mutation. */
export type Fresh<V> =
  | { refreshed: false }
  | { refreshed: true; ok: true; data: V }
  | { refreshed: true; ok: false; error: Error };

/** A call's value with its queries' outcomes, in the order they were given. */
export interface Refreshed<T, Q extends readonly Query<unknown>[]> {
  data: T;
  refreshed: { -readonly [K in keyof Q]: Q[K] extends Query<infer V> ? Fresh<V> : never };
}

/** What a call resolves to: its value, or `Refreshed` when its options hold `refresh`. */
export type Outcome<T, O> = O extends { refresh: infer Q extends readonly Query<unknown>[] }
  ? Refreshed<T, Q>
  : T;

/** A query of the action `action` with `args` (the generated `.query(...)` calls this). */
export function query<V>(action: string, args: Record<string, unknown>): Query<V> {
  const present = Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined));
  return { action, args: present, key: [action, present] };
}

/** JSON with every non-ASCII character escaped: a header value must be ASCII. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The refresh list of `queries` under the manifest's IDs (`idOf` raises for a stale name). */
export function refreshList(queries: readonly Query<unknown>[], idOf: (name: string) => string): unknown[] {
  return queries.map((q) => ({ action: idOf(q.action), args: q.args }));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The `Fresh` outcome of each query from a reply's `refresh` entries. */
export function freshOf(action: string, queries: readonly Query<unknown>[], entries: unknown): Fresh<unknown>[] {
  if (!Array.isArray(entries) || entries.length !== queries.length) {
    throw new TransportError(`a reply without ${queries.length} refresh entries`, { action });
  }
  return entries.map((entry, index): Fresh<unknown> => {
    const name = (queries[index] as Query<unknown>).action;
    if (entry === null) {
      return { refreshed: false };
    }
    if (!isObject(entry) || typeof entry["ok"] !== "boolean") {
      return { refreshed: true, ok: false, error: new TransportError("a refresh entry that is not an envelope", { action: name }) };
    }
    if (entry["ok"] === true) {
      return { refreshed: true, ok: true, data: entry["data"] };
    }
    return { refreshed: true, ok: false, error: errorOf(name, statusOf(entry), entry) };
  });
}

/** The part of a TanStack Query `QueryClient` that `setQueryData` needs. */
export interface QueryDataSetter {
  setQueryData(queryKey: readonly unknown[], data: unknown): unknown;
}

/**
 * An `onRefresh` hook putting every refreshed value into a TanStack Query cache under its
 * query's key: `client.configure({ onRefresh: setQueryData(queryClient) })`.
 */
export function setQueryData(queryClient: QueryDataSetter): (key: readonly unknown[], value: unknown) => void {
  return (key, value) => {
    queryClient.setQueryData(key, value);
  };
}
