// Unit tests of the screens' API client (queue_server/static/js/api.js) with a fake fetch.
// Run: node --test tests/js   (tests/test_live_js.py runs it from pytest)
import test from "node:test";
import assert from "node:assert";
import { ApiError, createClient, NETWORK_MESSAGE } from "../../queue_server/static/js/api.js";

function json(status, body, headers) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status, headers: Object.assign({ "Content-Type": "application/json" }, headers || {}),
  });
}

// A fetch that answers from a script: each entry is a Response, "reject" (no connection) or "hang".
function fakeFetch(script) {
  const calls = [];
  const fetch = (url, init) => {
    calls.push({ url, method: init.method, headers: init.headers, body: init.body });
    const next = script.shift();
    if (next === "reject") return Promise.reject(new TypeError("Failed to fetch"));
    if (next === "hang") {
      return new Promise((resolve, reject) => {
        init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      });
    }
    return Promise.resolve(next);
  };
  return { fetch, calls };
}

const fast = { retryDelayMs: 1, timeoutMs: 50 };

test("a POST retried after a network error carries the same Idempotency-Key", async () => {
  const { fetch, calls } = fakeFetch(["reject", "hang", json(200, { id: 7 })]);
  const api = createClient({ ...fast, token: "T", fetch });
  const answer = await api("POST", "/windows/3/call-next");
  assert.deepStrictEqual(answer, { id: 7 });
  assert.strictEqual(calls.length, 3);
  const keys = calls.map((c) => c.headers["Idempotency-Key"]);
  assert.ok(keys[0] && keys[0].length >= 16, "a key is sent");
  assert.strictEqual(new Set(keys).size, 1, "every try of one action sends one key");
  assert.strictEqual(calls[0].url, "/api/v1/windows/3/call-next");
  assert.strictEqual(calls[0].headers.Authorization, "Bearer T");
});

test("two actions get two keys, and a GET gets none", async () => {
  const { fetch, calls } = fakeFetch([json(201, { id: 1 }), json(201, { id: 2 }), json(200, [])]);
  const api = createClient({ ...fast, fetch });
  await api("POST", "/halls/xiqu/tickets", { queue: "shsd" });
  await api("POST", "/halls/xiqu/tickets", { queue: "shsd" });
  await api("GET", "/halls");
  assert.notStrictEqual(calls[0].headers["Idempotency-Key"], calls[1].headers["Idempotency-Key"]);
  assert.strictEqual(calls[2].headers["Idempotency-Key"], undefined);
  assert.strictEqual(calls[0].body, JSON.stringify({ queue: "shsd" }));
  assert.strictEqual(calls[0].headers["Content-Type"], "application/json");
});

test("retries are bounded, then the error is code network", async () => {
  const { fetch, calls } = fakeFetch(["reject", "reject", "reject", "reject"]);
  const api = createClient({ ...fast, retries: 2, fetch });
  await assert.rejects(api("POST", "/windows/3/call-next"), (error) => {
    assert.ok(error instanceof ApiError);
    assert.strictEqual(error.code, "network");
    assert.strictEqual(error.status, 0);
    assert.strictEqual(error.message, NETWORK_MESSAGE);
    return true;
  });
  assert.strictEqual(calls.length, 3, "one try and two retries");
});

test("the same action pressed again after a lost answer re-sends its key; a new one after an answer", async () => {
  const { fetch, calls } = fakeFetch(["reject", json(200, { id: 9 }), json(200, { id: 10 })]);
  const api = createClient({ ...fast, retries: 0, fetch });
  await assert.rejects(api("POST", "/windows/3/call-next"));
  assert.deepStrictEqual(await api("POST", "/windows/3/call-next"), { id: 9 });
  assert.deepStrictEqual(await api("POST", "/windows/3/call-next"), { id: 10 });
  const keys = calls.map((c) => c.headers["Idempotency-Key"]);
  assert.strictEqual(keys[0], keys[1], "the repeat of the lost action");
  assert.notStrictEqual(keys[1], keys[2], "a new action once the first was answered");
});

test("the contract's error body becomes an Error with code, message, details and status", async () => {
  const body = { error: { code: "conflict", message: "窗口还有已叫号的号票", details: { ticket: { id: 4, number: "A004" } } } };
  const { fetch, calls } = fakeFetch([json(409, body)]);
  const api = createClient({ ...fast, fetch });
  await assert.rejects(api("POST", "/windows/3/call-next"), (error) => {
    assert.ok(error instanceof Error && error instanceof ApiError);
    assert.strictEqual(error.status, 409);
    assert.strictEqual(error.code, "conflict");
    assert.strictEqual(error.message, "窗口还有已叫号的号票");
    assert.deepStrictEqual(error.details, { ticket: { id: 4, number: "A004" } });
    return true;
  });
  assert.strictEqual(calls.length, 1, "an answered error is not retried");
});

test("an answer without the contract's body is described by its status", async () => {
  const { fetch } = fakeFetch([new Response("<html>Bad Gateway</html>", { status: 502 })]);
  const api = createClient({ ...fast, fetch });
  await assert.rejects(api("GET", "/halls"), (error) => {
    assert.strictEqual(error.code, "http_502");
    assert.strictEqual(error.status, 502);
    assert.deepStrictEqual(error.details, {});
    assert.match(error.message, /502/);
    return true;
  });
});

test("503 unavailable is retried with the same key, 204 answers null", async () => {
  const busy = { error: { code: "unavailable", message: "服务暂时不可用", details: {} } };
  const { fetch, calls } = fakeFetch([json(503, busy, { "Retry-After": "0" }), new Response(null, { status: 204 })]);
  const api = createClient({ ...fast, fetch });
  assert.strictEqual(await api("POST", "/windows/3/call-next"), null);
  assert.strictEqual(calls.length, 2);
  assert.strictEqual(calls[0].headers["Idempotency-Key"], calls[1].headers["Idempotency-Key"]);
});

test("full API paths are kept, a given key is used as is", async () => {
  const { fetch, calls } = fakeFetch([json(201, {})]);
  const api = createClient({ ...fast, fetch, headers: { "X-Application-Token": "abc" } });
  await api("POST", "/api/v1/ratings", { grade: 5 }, { key: "my-key" });
  assert.strictEqual(calls[0].url, "/api/v1/ratings");
  assert.strictEqual(calls[0].headers["Idempotency-Key"], "my-key");
  assert.strictEqual(calls[0].headers["X-Application-Token"], "abc");
});
