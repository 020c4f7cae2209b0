// Elastic's own JavaScript client (@elastic/elasticsearch 8, from the npm
// registry) indexes events into a real `eventsec serve` through its
// Elasticsearch-compatible endpoint, as an application that ships its
// security events to Elasticsearch would: the client's product check on
// the first answer, its compatibility media types, bulk requests and the
// bulk helper. The events must be stored once each and searchable, and a
// wrong key must surface as the client's authentication error.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client, errors } from "@elastic/elasticsearch";
import { adminAPI, start, stop } from "./harness.mjs";

describe("Elasticsearch: Elastic's own client indexes into EventSec", { timeout: 120_000 }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  /** @type {Awaited<ReturnType<typeof adminAPI>>["api"]} */
  let api;
  let key = "";
  /** @type {Client} */
  let client;

  async function count(query) {
    const res = await api("GET", `/api/v1/events?${new URLSearchParams({ query, from: "now-1h", size: "1" })}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.total;
  }

  before(async () => {
    run = await start("elasticsearch-client", { browser: false });
    const admin = await adminAPI(run);
    api = admin.api;
    key = await admin.ingestKey("elasticsearch-js");
    client = new Client({ node: `${run.baseURL}/es`, auth: { apiKey: { id: "app", api_key: key } }, maxRetries: 0 });
  });

  after(async () => {
    await client?.close();
    await stop(run);
  });

  it("passes the client's product check", async () => {
    const info = await client.info();
    assert.match(info.version.number, /^\d+\.\d+\.\d+$/);
  });

  it("stores a bulk request's index and create actions, each once", async () => {
    const now = new Date().toISOString();
    const res = await client.bulk({
      operations: [
        { index: { _index: "app-security", _id: "es-js-1" } },
        { "@timestamp": now, event: { action: "login_failed", outcome: "failure" }, user: { name: "dora" }, source: { ip: "81.2.69.142" }, message: "login failed for dora" },
        { create: { _index: "app-security", _id: "es-js-2" } },
        { "@timestamp": now, event: { action: "login_failed", outcome: "failure" }, user: { name: "dora" }, source: { ip: "81.2.69.143" }, message: "login failed for dora" },
      ],
    });
    assert.equal(res.errors, false, JSON.stringify(res.items));
    assert.deepEqual(
      res.items.map((i) => Object.values(i)[0].status),
      [201, 201],
    );
    assert.equal(await count("user.name:dora"), 2);
    // The same documents again: the IDs are known, nothing is stored twice.
    const again = await client.bulk({
      operations: [
        { index: { _index: "app-security", _id: "es-js-1" } },
        { "@timestamp": now, event: { action: "login_failed" }, user: { name: "dora" }, message: "login failed for dora" },
      ],
    });
    assert.equal(again.errors, false, JSON.stringify(again.items));
    assert.equal(await count("user.name:dora"), 2);
  });

  it("indexes 1,000 documents with the bulk helper", async () => {
    const docs = Array.from({ length: 1000 }, (_, i) => ({
      "@timestamp": new Date(Date.now() - i * 1000).toISOString(),
      event: { action: "file_download", category: ["file"] },
      user: { name: `helper-${i % 10}` },
      file: { name: `report-${i}.pdf` },
      message: `helper document ${i}`,
    }));
    const stats = await client.helpers.bulk({ datasource: docs, onDocument: () => ({ index: { _index: "app-files" } }), flushBytes: 64 << 10 });
    assert.equal(stats.failed, 0);
    assert.equal(stats.successful, 1000);
    assert.equal(await count("event.action:file_download"), 1000);
  });

  it("surfaces a wrong key as the client's authentication error", async () => {
    const wrong = new Client({ node: `${run.baseURL}/es`, auth: { apiKey: { id: "app", api_key: "esk_not-a-key" } }, maxRetries: 0 });
    try {
      await assert.rejects(
        wrong.bulk({ operations: [{ index: { _index: "x" } }, { message: "refused" }] }),
        (err) => err instanceof errors.ResponseError && err.statusCode === 401,
      );
    } finally {
      await wrong.close();
    }
  });
});
