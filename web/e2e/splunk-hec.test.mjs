// Splunk's own HEC client library for Node.js (splunk-logging, from the
// npm registry) sends events to a real `eventsec serve`, as an application
// that logs to Splunk would: batched, with Splunk's metadata and its time
// as a string of epoch seconds. The events must be stored and searchable,
// and a wrong token must reach the library's error callback.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import splunk from "splunk-logging";
import { adminAPI, start, stop } from "./harness.mjs";

const { Logger } = splunk;

describe("Splunk HEC: Splunk's own logging library sends to EventSec", { timeout: 120_000 }, () => {
  /** @type {Awaited<ReturnType<typeof start>>} */
  let run;
  /** @type {Awaited<ReturnType<typeof adminAPI>>["api"]} */
  let api;
  let key = "";

  /** Sends the payloads through one logger and resolves with each callback's (err, status, body). */
  function send(token, payloads, batch) {
    const logger = new Logger({ token, url: run.baseURL, maxBatchCount: batch, maxRetries: 0 });
    const errors = [];
    logger.error = (err) => errors.push(err);
    return new Promise((resolve) => {
      const results = [];
      for (const p of payloads) {
        logger.send(p, (err, resp, body) => {
          results.push({ err, status: resp?.statusCode, body });
          if (results.length === (batch > 1 ? 1 : payloads.length)) resolve({ results, errors });
        });
      }
    });
  }

  before(async () => {
    run = await start("splunk-hec", { browser: false });
    const admin = await adminAPI(run);
    api = admin.api;
    key = await admin.ingestKey("splunk-logging");
  });

  after(async () => {
    await stop(run);
  });

  it("stores a batch of three events with their metadata and time", async () => {
    const t = Math.floor(Date.now() / 1000) - 60;
    const payloads = ["alice", "bob", "carol"].map((user, i) => ({
      message: { event: "login_failed", user: { name: user }, source: { ip: `81.2.69.14${i}` }, attempt: i + 1 },
      metadata: { source: "portal", sourcetype: "_json", host: "web-7", index: "main", time: t + i },
      severity: "warning",
    }));
    const { results, errors } = await send(key, payloads, 3);
    assert.deepEqual(errors, []);
    assert.equal(results.length, 1, "one batch, one callback");
    assert.equal(results[0].err, null);
    assert.equal(results[0].status, 200, JSON.stringify(results[0].body));
    assert.equal(results[0].body.code, 0, JSON.stringify(results[0].body));

    const found = await api("GET", `/api/v1/events?${new URLSearchParams({ query: "host.name:web-7", from: "now-1h", size: "10" })}`);
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.equal(found.body.total, 3, JSON.stringify(found.body));
    const byUser = Object.fromEntries(found.body.items.map((e) => [e.fields.user?.name, e]));
    assert.deepEqual(Object.keys(byUser).sort(), ["alice", "bob", "carol"]);
    const bob = byUser.bob;
    // Splunk's time (a string of epoch seconds) is the event's time.
    assert.equal(bob["@timestamp"], new Date((t + 1) * 1000).toISOString().replace(".000Z", "Z"));
    assert.equal(bob.fields.source.ip, "81.2.69.141");
    assert.equal(bob.input, "hec");
  });

  it("stores events sent one by one", async () => {
    const payloads = [1, 2].map((n) => ({ message: `plain text line ${n} from splunk-logging`, metadata: { host: "batch-1", sourcetype: "app" } }));
    const { results, errors } = await send(key, payloads, 1);
    assert.deepEqual(errors, []);
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    const found = await api("GET", `/api/v1/events?${new URLSearchParams({ query: '"from splunk-logging"', from: "now-1h", size: "10" })}`);
    assert.equal(found.body.total, 2, JSON.stringify(found.body));
  });

  it("hands a wrong token's refusal to the library's error callback", async () => {
    const { results, errors } = await send("esk_not-a-key", [{ message: "refused" }], 1);
    assert.equal(results[0].status, 403, JSON.stringify(results[0].body));
    assert.equal(results[0].body.code, 4, JSON.stringify(results[0].body)); // HEC: invalid authorization
    assert.equal(errors.length, 1);
  });
});
