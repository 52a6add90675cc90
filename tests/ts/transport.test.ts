/**
 * Bad input from the network: an HTTP server that is not an authstage server answers the
 * generated client with a proxy's HTML 502, an unknown error code, a body that is not JSON, or
 * drops the connection. Each time the call rejects with a clear TransportError, never a crash.
 */

import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";

import { CONTRACT, Client, TransportError, add } from "../../client/ts/src/index.js";

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const MANIFEST = JSON.stringify({
  version: 1,
  manifest: "0".repeat(32),
  contract: "0".repeat(32),
  actions: { "actions.demo.add": "a".repeat(42) },
});

function json(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { "content-type": "application/json" }).end(body);
}

/** Serve a manifest, answer POSTs with `post`; call `check` with a client of it. */
async function against(post: Handler, check: (client: Client) => Promise<void>, manifest?: Handler): Promise<void> {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      if (request.method === "GET") {
        (manifest ?? ((_, res) => json(res, 200, MANIFEST)))(request, response);
      } else {
        post(request, response);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await check(new Client(CONTRACT, { baseUrl: `http://127.0.0.1:${port}` }));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function transportError(client: Client): Promise<TransportError> {
  try {
    await add(1, 2, { client });
  } catch (error) {
    assert.ok(error instanceof TransportError, `expected a TransportError, got ${String(error)}`);
    assert.equal(error.action, "actions.demo.add");
    return error;
  }
  assert.fail("the call should have failed");
}

describe("replies that are not the protocol", () => {
  it("turns a proxy's HTML 502 into a TransportError", async () => {
    const page = (_: IncomingMessage, res: ServerResponse): void => {
      res.writeHead(502, { "content-type": "text/html" }).end("<html><h1>502 Bad Gateway</h1></html>");
    };
    await against(page, async (client) => {
      const error = await transportError(client);
      assert.equal(error.status, 502);
      assert.match(error.message, /answered 502 with text\/html, not an action reply/);
    });
  });

  it("keeps an unknown error code on the TransportError", async () => {
    const teapot = (_: IncomingMessage, res: ServerResponse): void =>
      json(res, 418, JSON.stringify({ ok: false, error: { code: "TEAPOT", message: "short and stout" } }));
    await against(teapot, async (client) => {
      const error = await transportError(client);
      assert.equal(error.code, "TEAPOT");
      assert.equal(error.status, 418);
      assert.match(error.message, /unknown error code "TEAPOT"/);
    });
  });

  it("turns a body that is not JSON, or not an envelope, into a TransportError", async () => {
    for (const body of ["{not json", "[1, 2]", '{"data": 3}']) {
      await against(
        (_, res) => json(res, 200, body),
        async (client) => {
          assert.match((await transportError(client)).message, /not an action reply/);
        },
      );
    }
  });

  it("turns a dropped connection into a TransportError", async () => {
    await against(
      (request) => request.socket.destroy(),
      async (client) => {
        assert.match((await transportError(client)).message, /no reply/);
      },
    );
  });

  it("turns a manifest that is not one into a TransportError", async () => {
    const page: Handler = (_, res) => {
      res.writeHead(200, { "content-type": "text/html" }).end("<html></html>");
    };
    await against(
      (_, res) => json(res, 200, "{}"),
      async (client) => {
        const error = await add(1, 2, { client }).catch((e: unknown) => e);
        assert.ok(error instanceof TransportError);
        assert.equal(error.action, "manifest");
        assert.match(error.message, /200 with text\/html/);
      },
      page,
    );
  });
});
