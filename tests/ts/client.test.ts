/**
 * The generated TypeScript client against a live server (started by test_typescript_client.py,
 * its URL in AUTHSTAGE_TEST_URL): results, errors, hints, uploads, abort, batches, idempotency
 * keys, TanStack Query invalidation and single-flight refresh, all through the generated
 * functions.
 */

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, it } from "node:test";

import { QueryClient, QueryObserver } from "@tanstack/query-core";

import {
  ActionError,
  CONTRACT,
  Client,
  add,
  asciiJson,
  bump,
  client,
  confirmPassword,
  counter,
  createNote,
  freshOf,
  crash,
  getNote,
  goTo,
  invalidateQueries,
  isActionError,
  isValidationError,
  query,
  schedule,
  secretNumber,
  setQueryData,
  sleep,
  TransportError,
  uploadFile,
  waitThenRecord,
  wasRecorded,
} from "../../client/ts/src/index.js";
import type { NoteOut, Revalidation, Scheduled } from "../../client/ts/src/index.js";

const baseUrl = process.env["AUTHSTAGE_TEST_URL"] ?? "";
const unique = (): string => `ts${randomUUID().slice(0, 12)}`;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("the call should have failed");
}

before(() => {
  assert.ok(baseUrl, "AUTHSTAGE_TEST_URL names the live server");
  client.configure({ baseUrl });
});

describe("calls", () => {
  it("returns the typed result", async () => {
    assert.equal(await add(2, 40), 42);
    const note: NoteOut = await createNote({ title: "from TypeScript" });
    assert.equal(note.title, "from TypeScript");
    assert.equal(note.body, "");
    assert.deepEqual(await getNote(note.id), note);
  });

  it("sends structs with dates and literals", async () => {
    const starts = "2030-05-17T09:30:00Z";
    const scheduled: Scheduled = await schedule({ title: "Review", starts_at: starts, kind: "call" });
    assert.equal(scheduled.weekday, "Friday");
    assert.equal(scheduled.day, "2030-05-17");
    assert.deepEqual(scheduled.event.tags, []);
  });

  it("sends the action's ID from the manifest and the manifest's hash", async () => {
    const seen: Headers[] = [];
    const recording: typeof fetch = (input, init) => {
      if (init?.method === "POST") {
        seen.push(new Headers(init.headers));
      }
      return fetch(input, init);
    };
    const recorded = new Client(CONTRACT, { baseUrl, fetch: recording });
    assert.equal(await add(1, 1, { client: recorded }), 2);
    const manifest = await recorded.manifest();
    assert.equal(seen[0]?.get("authstage-action"), manifest.actions["actions.demo.add"]);
    assert.equal(seen[0]?.get("authstage-manifest"), manifest.manifest);
    assert.equal(manifest.contract, CONTRACT);
  });

  it("runs calls in parallel, not in a queue", async () => {
    await client.manifest();
    const start = performance.now();
    assert.deepEqual(await Promise.all([sleep(0.4), sleep(0.4), sleep(0.4), sleep(0.4)]), [0.4, 0.4, 0.4, 0.4]);
    const elapsed = performance.now() - start;
    assert.ok(elapsed < 1200, `4 calls of 0.4 s took ${elapsed} ms`);
  });
});

describe("errors", () => {
  it("rejects a validation error with field errors", async () => {
    const error = await rejection(createNote({ title: "" }));
    assert.ok(isValidationError(error));
    assert.equal(error.status, 422);
    assert.equal(error.action, "actions.notes.create_note");
    assert.deepEqual(error.fieldErrors, { title: ["Must not be empty"] });
    assert.deepEqual(error.formErrors, []);
  });

  it("rejects a form error for the whole form", async () => {
    const error = await rejection(confirmPassword("long enough", "different"));
    assert.ok(isValidationError(error));
    assert.deepEqual(error.formErrors, ["The passwords do not match"]);
  });

  it("rejects with UNAUTHORIZED when sign-in is required", async () => {
    const error = await rejection(secretNumber());
    assert.ok(error instanceof ActionError);
    assert.equal(error.code, "UNAUTHORIZED");
    assert.equal(error.status, 401);
  });

  it("rejects other codes with their message, and INTERNAL with only a digest", async () => {
    const missing = await rejection(getNote(2 ** 31 - 1));
    assert.ok(isActionError(missing, "NOT_FOUND"));
    assert.equal(missing.message, "No note with this ID");
    const internal = await rejection(crash());
    assert.ok(isActionError(internal, "INTERNAL"));
    assert.equal(internal.message, "Internal error");
    assert.match(internal.digest ?? "", /^[0-9a-f]{16}$/);
  });

  it("reports an action the server does not have as STALE_CLIENT", async () => {
    const stale: string[] = [];
    const old = new Client("an-older-contract", { baseUrl, onStale: (c) => stale.push(c) });
    const error = await rejection(old.call("actions.showcase.retired", {}));
    assert.ok(isActionError(error, "STALE_CLIENT"));
    assert.deepEqual(stale, [CONTRACT]);
  });
});

describe("hints", () => {
  it("passes redirects and revalidations to the hooks", async () => {
    const redirects: string[] = [];
    const changes: Revalidation[] = [];
    const hooked = new Client(CONTRACT, {
      baseUrl,
      onRedirect: (target) => redirects.push(target),
      onRevalidate: (change) => {
        changes.push(change);
      },
    });
    assert.equal(await goTo("/dashboard", { client: hooked }), null);
    assert.equal(await bump(unique(), undefined, { client: hooked }), 1);
    assert.deepEqual(redirects, ["/dashboard"]);
    assert.deepEqual(changes, [{ paths: ["/counters"], tags: ["counters"] }]);
  });

  it("invalidates and refetches TanStack queries keyed by a revalidated tag", async () => {
    const queryClient = new QueryClient();
    const name = unique();
    const hooked = new Client(CONTRACT, { baseUrl, onRevalidate: invalidateQueries(queryClient) });
    const observer = new QueryObserver(queryClient, {
      queryKey: ["counters", name],
      queryFn: ({ signal }) => counter(name, { client: hooked, signal }),
    });
    const unsubscribe = observer.subscribe(() => undefined);
    try {
      await queryClient.fetchQuery({ queryKey: ["counters", name] });
      assert.equal(observer.getCurrentResult().data, 0);
      await bump(name, 3, { client: hooked }); // settles after the refetch
      assert.equal(observer.getCurrentResult().data, 3);
      assert.equal(queryClient.getQueryState(["counters", name])?.isInvalidated, false);
    } finally {
      unsubscribe();
      queryClient.clear();
    }
  });
});

describe("uploads", () => {
  it("sends a File with its name and type, and the other arguments", async () => {
    const bytes = new Uint8Array([137, 80, 78, 71, 1, 2, 3]);
    const info = await uploadFile(new File([bytes], "pic.png", { type: "image/png" }), "a picture");
    assert.deepEqual(
      { name: info.filename, type: info.content_type, size: info.size, caption: info.caption },
      { name: "pic.png", type: "image/png", size: 7, caption: "a picture" },
    );
  });

  it("sends a plain Blob under the parameter's name", async () => {
    const info = await uploadFile(new Blob(["hello"], { type: "text/plain" }));
    assert.equal(info.filename, "file");
    assert.equal(info.size, 5);
  });
});

describe("abort", () => {
  it("rejects with AbortError and the server cancels the action", async () => {
    const tag = unique();
    const controller = new AbortController();
    const call = waitThenRecord(tag, 1.0, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    const error = await rejection(call);
    assert.equal((error as Error).name, "AbortError");
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.equal(await wasRecorded(tag), false);
  });
});

describe("batches and idempotency", () => {
  it("sends the calls of one tick as one request", async () => {
    let posts = 0;
    const counting: typeof fetch = (input, init) => {
      if (init?.method === "POST") {
        posts += 1;
      }
      return fetch(input, init);
    };
    const batched = new Client(CONTRACT, { baseUrl, batch: true, fetch: counting });
    await batched.manifest();
    const name = unique();
    const results = await Promise.allSettled([
      add(1, 2, { client: batched }),
      bump(name, 4, { client: batched }),
      getNote(2 ** 31 - 1, { client: batched }),
    ]);
    assert.deepEqual(results.slice(0, 2), [
      { status: "fulfilled", value: 3 },
      { status: "fulfilled", value: 4 },
    ]);
    const failed = results[2];
    assert.ok(failed?.status === "rejected" && isActionError(failed.reason, "NOT_FOUND"));
    assert.equal(posts, 1);
  });

  it("runs a call once per idempotency key", async () => {
    const name = unique();
    const idempotencyKey = randomUUID();
    const replies = await Promise.all([1, 2, 3].map(() => bump(name, 2, { idempotencyKey })));
    assert.deepEqual(replies, [2, 2, 2]);
    assert.equal(await bump(name, 2, { idempotencyKey }), 2);
    assert.equal(await counter(name), 2);
  });
});

describe("single-flight refresh", () => {
  it("returns the mutation's value and the reads it revalidated, in one request", async () => {
    let posts = 0;
    const counting: typeof fetch = (input, init) => {
      posts += init?.method === "POST" ? 1 : 0;
      return fetch(input, init);
    };
    const own = new Client(CONTRACT, { baseUrl, fetch: counting });
    const name = unique();
    const other = unique();
    const out = await bump(name, 3, { client: own, refresh: [counter.query(name), counter.query(other)] });
    const value: number = out.data;
    assert.equal(value, 3);
    assert.deepEqual(out.refreshed, [
      { refreshed: true, ok: true, data: 3 },
      { refreshed: true, ok: true, data: 0 }, // tagged "counters" too: re-run
    ]);
    assert.equal(posts, 1);
  });

  it("does not re-run a read the mutation did not revalidate", async () => {
    const out = await add(1, 2, { refresh: [counter.query(unique())] });
    assert.equal(out.data, 3);
    assert.deepEqual(out.refreshed, [{ refreshed: false }]);
    assert.equal(await add(1, 2, {}), 3); // without refresh: the plain value
  });

  it("gives a read that cannot be refreshed its own error, and keeps the result", async () => {
    const undeclared = query<unknown>("actions.notes.list_notes", { limit: 1, note: "zähler ✓ 😀" });
    const out = await bump(unique(), 1, { refresh: [undeclared] });
    assert.equal(out.data, 1);
    const entry = out.refreshed[0];
    assert.ok(entry?.refreshed === true && entry.ok === false);
    assert.ok(isActionError(entry.error, "BAD_REQUEST"), String(entry.error));
  });

  it("feeds each refreshed value to onRefresh: a TanStack Query cache or a Map", async () => {
    const queryClient = new QueryClient();
    const seen = new Map<string, unknown>();
    const tanstack = setQueryData(queryClient);
    const hooked = new Client(CONTRACT, {
      baseUrl,
      onRefresh: (key, value) => {
        tanstack(key, value);
        seen.set(JSON.stringify(key), value);
      },
    });
    const name = unique();
    const read = counter.query(name);
    await bump(name, 5, { client: hooked, refresh: [read] });
    assert.equal(queryClient.getQueryData(read.key), 5);
    assert.deepEqual([...seen], [[JSON.stringify(["actions.showcase.counter", { name }]), 5]]);
    queryClient.clear();
  });

  it("refreshes per call inside a batch", async () => {
    const batched = new Client(CONTRACT, { baseUrl, batch: true });
    const name = unique();
    const [bumped, plain] = await Promise.all([
      bump(name, 2, { client: batched, refresh: [counter.query(name)] }),
      add(2, 2, { client: batched }),
    ]);
    assert.deepEqual(bumped, { data: 2, refreshed: [{ refreshed: true, ok: true, data: 2 }] });
    assert.equal(plain, 4);
  });

  it("reports refresh entries that do not match the queries as transport errors", () => {
    const read = counter.query("visits");
    assert.throws(() => freshOf("bump", [read], undefined), TransportError);
    const [bad] = freshOf("bump", [read], [{ no: "envelope" }]);
    assert.ok(bad?.refreshed === true && bad.ok === false && bad.error instanceof TransportError);
  });

  it("sends non-ASCII arguments as an ASCII header value", () => {
    const value = { note: "zähler ✓ 😀", n: 1 };
    const text = asciiJson(value);
    assert.match(text, /^[\x20-\x7e]*$/);
    assert.deepEqual(JSON.parse(text), value);
  });
});
