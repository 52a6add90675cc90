/**
 * Batching for `Client` with `batch: true`: the calls started in the same tick travel together.
 *
 * Every call made before the next macrotask (`Promise.all([a(), b(), c()])`, several
 * components loading at once) is queued; then the queue goes out as one batch request
 * (`Authstage-Batch: 1`) and each call settles with its own result or error. A lone call goes
 * out as an ordinary call; calls with files are never batched.
 *
 * Aborting one call rejects it at once; when every call of a batch is aborted, the batch
 * request is aborted too, and the server cancels the actions still running. If the batch
 * request fails on the way, calls with an idempotency key are retried one by one; the others
 * reject with the `TransportError`. A call's `refresh` queries travel in its `refresh` field.
 */

import { TransportError, isActionError } from "./errors.js";
import type { CallOptions, Client } from "./runtime.js";
import { refreshList } from "./refresh.js";
import { batchResults, parseReply, replyOf, statusOf } from "./wire.js";
import type { Reply } from "./wire.js";

interface Pending {
  name: string;
  args: Record<string, unknown>;
  options: CallOptions;
  resolve: (reply: Reply<unknown>) => void;
  reject: (error: unknown) => void;
  settled: boolean;
}

function settle(call: Pending, outcome: { reply: Reply<unknown> } | { error: unknown }): void {
  if (call.settled) {
    return;
  }
  call.settled = true;
  if ("reply" in outcome) {
    call.resolve(outcome.reply);
  } else {
    call.reject(outcome.error);
  }
}

/** Queues the calls of one tick and sends them as one request. */
export class Batcher {
  readonly #client: Client;
  #queue: Pending[] = [];

  constructor(client: Client) {
    this.#client = client;
  }

  /** Queue one call; the promise settles with its reply. */
  add<T>(name: string, args: Record<string, unknown>, options: CallOptions): Promise<Reply<T>> {
    return new Promise<Reply<unknown>>((resolve, reject) => {
      if (options.signal?.aborted === true) {
        reject(options.signal.reason);
        return;
      }
      this.#queue.push({ name, args, options, resolve, reject, settled: false });
      if (this.#queue.length === 1) {
        setTimeout(() => this.#flush(), 0);
      }
    }) as Promise<Reply<T>>;
  }

  #flush(): void {
    const calls = this.#queue;
    this.#queue = [];
    const controller = new AbortController();
    for (const call of calls) {
      call.options.signal?.addEventListener(
        "abort",
        () => {
          settle(call, { error: call.options.signal?.reason });
          if (calls.every((c) => c.settled)) {
            controller.abort();
          }
        },
        { once: true },
      );
    }
    const sending = calls.length === 1 ? this.#alone(calls[0] as Pending) : this.#together(calls, controller.signal);
    sending.catch((error: unknown) => {
      for (const call of calls) {
        settle(call, { error });
      }
    });
  }

  async #alone(call: Pending): Promise<void> {
    try {
      settle(call, { reply: await this.#client.send(call.name, call.args, call.options) });
    } catch (error) {
      settle(call, { error });
    }
  }

  async #together(calls: Pending[], signal: AbortSignal): Promise<void> {
    const client = this.#client;
    const manifest = await client.manifest();
    const sent: Pending[] = [];
    const items: Record<string, unknown>[] = [];
    for (const call of calls) {
      try {
        const item: Record<string, unknown> = { action: client.actionId(manifest, call.name), args: call.args };
        if (call.options.idempotencyKey !== undefined) {
          item["idempotencyKey"] = call.options.idempotencyKey;
        }
        if (call.options.refresh !== undefined && call.options.refresh.length > 0) {
          item["refresh"] = refreshList(call.options.refresh, (name) => client.actionId(manifest, name));
        }
        items.push(item);
        sent.push(call);
      } catch (error) {
        settle(call, { error });
      }
    }
    if (sent.length === 0) {
      return;
    }
    const action = `batch of ${sent.length}`;
    const headers = client.headers(manifest, undefined, {});
    headers["content-type"] = "application/json";
    headers["authstage-batch"] = "1";
    let results: Record<string, unknown>[];
    try {
      const raw = await client.post(action, headers, JSON.stringify({ calls: items }), signal, false);
      results = batchResults(action, raw.status, parseReply(action, raw.status, raw.type, raw.text), sent.length);
    } catch (error) {
      const retry = error instanceof TransportError && !signal.aborted;
      await Promise.all(
        sent.map((call) =>
          retry && call.options.idempotencyKey !== undefined ? this.#alone(call) : settle(call, { error }),
        ),
      );
      return;
    }
    await Promise.all(
      sent.map(async (call, index) => {
        const envelope = results[index] as Record<string, unknown>;
        try {
          settle(call, { reply: replyOf(call.name, statusOf(envelope), envelope) });
        } catch (error) {
          if (isActionError(error, "STALE_CLIENT")) {
            await this.#alone(call); // refetches the manifest and retries
          } else {
            settle(call, { error });
          }
        }
      }),
    );
  }
}
