/**
 * The client runtime: fetch only, no dependencies.
 *
 * A `Client` resolves action names to IDs with the server's manifest (fetched once, shared by
 * concurrent calls), sends each call with the manifest hash, and on `STALE_CLIENT` refetches
 * the manifest and retries once if the action's ID changed (nothing ran). Calls run in
 * parallel; with `batch: true` the calls started in the same tick travel as one request
 * (batch.ts). `signal` aborts a call: the connection closes and the server cancels the action.
 * A call with an `idempotencyKey` is retried when the connection fails, and the server runs it
 * once. `onRedirect` and `onRevalidate` hear what actions ask for (`invalidateQueries` turns
 * the latter into TanStack Query invalidations); `onStale` hears that the server runs another
 * version of the actions than this client was generated from. A call given `refresh` queries
 * resolves to its value and their fresh values in one round trip (refresh.ts), and `onRefresh`
 * hears each one (`setQueryData` feeds them to TanStack Query).
 */

import { Batcher } from "./batch.js";
import { ActionError, TransportError, isAbortError, isActionError } from "./errors.js";
import { asciiJson, freshOf, refreshList } from "./refresh.js";
import type { Fresh, Outcome, Query } from "./refresh.js";
import { callBody, hasFiles, manifestOf, parseReply, replyOf } from "./wire.js";
import type { Manifest, Reply, Revalidation } from "./wire.js";

/** Settings of a `Client`; every one optional. */
export interface ClientOptions {
  /** Where the app is served: `""` (the default) is the page's own origin. */
  baseUrl?: string;
  /** The action endpoint's path (default `/_action`). */
  actionPath?: string;
  /** The `fetch` to use (default: the global one, looked up at each call). */
  fetch?: typeof fetch;
  /** Headers sent with every call. */
  headers?: Record<string, string>;
  /** Cookies policy of `fetch` (default `same-origin`). */
  credentials?: RequestCredentials;
  /** Send the calls started in the same tick as one request (default false). */
  batch?: boolean;
  /** Retries of a call with an idempotency key whose connection failed (default 2). */
  retries?: number;
  /** Called when an action redirects: navigate to `target`. */
  onRedirect?: (target: string, action: string) => void;
  /** Called when an action revalidated paths or tags; the call settles after it does. */
  onRevalidate?: (revalidation: Revalidation, action: string) => unknown;
  /** Called when the server runs another version of the actions (`contract` differs). */
  onStale?: (serverContract: string) => void;
  /** Called with each value a call's `refresh` brought back, under its query's key. */
  onRefresh?: (key: readonly unknown[], value: unknown, query: Query<unknown>) => unknown;
}

/** Options of one call. */
export interface CallOptions {
  /** Aborts the call; the server cancels the action. */
  signal?: AbortSignal;
  /** Run the action at most once for this key (retries included): e.g. `crypto.randomUUID()`. */
  idempotencyKey?: string;
  /** Override the client's `batch` setting for this call. */
  batch?: boolean;
  /** Headers for this call. */
  headers?: Record<string, string>;
  /** The client to call through (default: the generated module's `client`). */
  client?: Client;
  /** Reads to bring back fresh if this call revalidates them: `[listTodos.query()]`. */
  refresh?: readonly Query<unknown>[];
}

/** What `post` returns: the reply's status, content type and text. */
export interface RawReply {
  status: number;
  type: string;
  text: string;
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return error instanceof Error ? `${error.name}: ${error.message}${cause}` : String(error);
}

/** A connection to the app's actions. The generated module makes one: `client`. */
export class Client {
  /** The contract this client was generated from. */
  readonly contract: string;
  #options: ClientOptions;
  #manifest: Manifest | undefined;
  #loading: Promise<Manifest> | undefined;
  readonly #batcher: Batcher;

  constructor(contract: string, options: ClientOptions = {}) {
    this.contract = contract;
    this.#options = { ...options };
    this.#batcher = new Batcher(this);
  }

  /** Change settings (e.g. `baseUrl` at startup); a new endpoint means a new manifest. */
  configure(options: ClientOptions): this {
    this.#options = { ...this.#options, ...options };
    if ("baseUrl" in options || "actionPath" in options || "fetch" in options) {
      this.#manifest = undefined;
    }
    return this;
  }

  /** The current settings. */
  get options(): Readonly<ClientOptions> {
    return this.#options;
  }

  #url(suffix = ""): string {
    return `${this.#options.baseUrl ?? ""}${this.#options.actionPath ?? "/_action"}${suffix}`;
  }

  #fetch(): typeof fetch {
    return this.#options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The server's manifest: fetched once, or again when the one held is `stale`. */
  manifest(stale?: Manifest): Promise<Manifest> {
    if (this.#manifest !== undefined && this.#manifest !== stale) {
      return Promise.resolve(this.#manifest);
    }
    this.#loading ??= this.#loadManifest().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #loadManifest(): Promise<Manifest> {
    let raw: RawReply;
    try {
      const response = await this.#fetch()(this.#url("/manifest"), {
        credentials: this.#options.credentials ?? "same-origin",
        ...(this.#options.headers === undefined ? {} : { headers: this.#options.headers }),
      });
      const text = await response.text();
      raw = { status: response.status, type: response.headers.get("content-type") ?? "", text };
    } catch (error) {
      throw new TransportError(`no manifest (${describe(error)})`, { action: "manifest", cause: error });
    }
    const manifest = manifestOf(raw.status, raw.type, raw.text);
    this.#manifest = manifest;
    if (manifest.contract !== this.contract) {
      this.#options.onStale?.(manifest.contract);
    }
    return manifest;
  }

  /** Call the action `name` with `args` (the generated functions do this). */
  async call<T, O extends CallOptions = CallOptions>(
    name: string,
    args: Record<string, unknown>,
    options?: O,
  ): Promise<Outcome<T, O>> {
    const given: CallOptions = options ?? {};
    const batched = (given.batch ?? this.#options.batch ?? false) && !hasFiles(args);
    const reply = batched
      ? await this.#batcher.add<T>(name, args, given)
      : await this.send<T>(name, args, given);
    if (reply.redirect !== undefined) {
      this.#options.onRedirect?.(reply.redirect, name);
    }
    let refreshed: Fresh<unknown>[] | undefined;
    if (given.refresh !== undefined) {
      refreshed = given.refresh.length === 0 ? [] : freshOf(name, given.refresh, reply.refresh);
      await this.#refreshed(given.refresh, refreshed);
    }
    if (reply.revalidate !== undefined && this.#options.onRevalidate !== undefined) {
      await this.#options.onRevalidate(reply.revalidate, name);
    }
    const outcome = refreshed === undefined ? reply.data : { data: reply.data, refreshed };
    return outcome as Outcome<T, O>;
  }

  async #refreshed(queries: readonly Query<unknown>[], fresh: Fresh<unknown>[]): Promise<void> {
    const hook = this.#options.onRefresh;
    if (hook === undefined) {
      return;
    }
    for (const [index, entry] of fresh.entries()) {
      const query = queries[index] as Query<unknown>;
      if (entry.refreshed && entry.ok) {
        await hook(query.key, entry.data, query);
      }
    }
  }

  /** The refresh list of `queries` as the `Authstage-Refresh` header's value (ASCII JSON). */
  refreshHeader(manifest: Manifest, queries: readonly Query<unknown>[]): string {
    return asciiJson(refreshList(queries, (name) => this.actionId(manifest, name)));
  }

  /** The ID of action `name`, or `STALE_CLIENT` when the server has no such action. */
  actionId(manifest: Manifest, name: string): string {
    const id = manifest.actions[name];
    if (id === undefined) {
      const message = "the server has no such action: regenerate the client";
      throw new ActionError({ code: "STALE_CLIENT", message, action: name, status: 404 });
    }
    return id;
  }

  /** Headers of a call to the action `id`. */
  headers(manifest: Manifest, id: string | undefined, options: CallOptions): Record<string, string> {
    const headers: Record<string, string> = {
      ...this.#options.headers,
      ...options.headers,
      "authstage-manifest": manifest.manifest,
    };
    if (id !== undefined) {
      headers["authstage-action"] = id;
    }
    if (options.idempotencyKey !== undefined) {
      headers["idempotency-key"] = options.idempotencyKey;
    }
    if (id !== undefined && options.refresh !== undefined && options.refresh.length > 0) {
      headers["authstage-refresh"] = this.refreshHeader(manifest, options.refresh);
    }
    return headers;
  }

  /** One call in its own request, with the stale-manifest retry. */
  async send<T>(name: string, args: Record<string, unknown>, options: CallOptions): Promise<Reply<T>> {
    const { body, json } = callBody(args);
    let manifest = await this.manifest();
    for (let retried = false; ; retried = true) {
      const id = this.actionId(manifest, name);
      const headers = this.headers(manifest, id, options);
      if (json) {
        headers["content-type"] = "application/json";
      }
      const retry = options.idempotencyKey !== undefined;
      const raw = await this.post(name, headers, body, options.signal, retry);
      try {
        return replyOf<T>(name, raw.status, parseReply(name, raw.status, raw.type, raw.text));
      } catch (error) {
        if (retried || !isActionError(error, "STALE_CLIENT")) {
          throw error;
        }
        const fresh = await this.manifest(manifest);
        if (fresh.actions[name] === undefined || fresh.actions[name] === id) {
          throw error;
        }
        manifest = fresh;
      }
    }
  }

  /** POST to the endpoint; a failed connection is retried when `retry` (idempotent calls). */
  async post(
    action: string,
    headers: Record<string, string>,
    body: string | FormData,
    signal: AbortSignal | undefined,
    retry: boolean,
  ): Promise<RawReply> {
    const retries = retry ? (this.#options.retries ?? 2) : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.#fetch()(this.#url(), {
          method: "POST",
          headers,
          body,
          credentials: this.#options.credentials ?? "same-origin",
          ...(signal === undefined ? {} : { signal }),
        });
        const text = await response.text();
        return { status: response.status, type: response.headers.get("content-type") ?? "", text };
      } catch (error) {
        if (isAbortError(error) || signal?.aborted === true) {
          throw error;
        }
        if (attempt >= retries) {
          throw new TransportError(`no reply (${describe(error)})`, { action, cause: error });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt + 1)));
    }
  }
}

/** The part of a TanStack Query `QueryClient` that `invalidateQueries` needs. */
export interface QueryInvalidator {
  invalidateQueries(filters: { queryKey: readonly unknown[] }): Promise<unknown>;
}

/**
 * An `onRevalidate` hook invalidating the TanStack queries whose key starts with a revalidated
 * tag or path: `queryKey: ["notes", ...]` is refreshed after an action calls
 * `revalidate_tag("notes")`.
 */
export function invalidateQueries(queryClient: QueryInvalidator): (revalidation: Revalidation) => Promise<void> {
  return async ({ paths, tags }) => {
    await Promise.all([...tags, ...paths].map((key) => queryClient.invalidateQueries({ queryKey: [key] })));
  };
}
