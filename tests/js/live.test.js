// Unit tests of the shared realtime client (queue_server/static/js/live.js) with a fake Socket.IO.
// Run: node --test tests/js   (tests/test_live_js.py runs it from pytest)
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const SOURCE = fs.readFileSync(path.join(__dirname, "../../queue_server/static/js/live.js"), "utf8");

function fakeSocket() {
  const listeners = {};
  const socket = {
    connected: false,
    subscribes: [],
    on(name, fn) { listeners[name] = fn; return socket; },
    timeout() { return socket; },
    emit(name, data, ack) { socket.subscribes.push({ data, ack }); },
    fire(name, payload) { listeners[name](payload); },
    answer(snapshot) { socket.subscribes.shift().ack(null, snapshot); },
  };
  return socket;
}

function load(firstSeq = 10) {
  const socket = fakeSocket();
  const window = { io: () => socket, setTimeout, clearTimeout };
  vm.runInNewContext(SOURCE, { window, setTimeout, clearTimeout });
  const seen = { calls: [], queues: [], snapshots: [] };
  const live = window.WubanLive.connect({
    subscribe: { hall: "xiqu" },
    onSnapshot: (s, catchingUp) => seen.snapshots.push({ seq: s.seq, catchingUp }),
    onCall: (e) => seen.calls.push(e.seq),
    onQueue: (e) => seen.queues.push(e.seq),
  });
  socket.fire("connect");
  socket.answer({ seq: firstSeq, calls: [], queues: [] });
  return { socket, seen, live };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("applies events in seq order across both types", () => {
  const { socket, seen, live } = load();
  socket.fire("ticket_called", { seq: 11 });
  socket.fire("queue_updated", { seq: 12 });
  assert.deepStrictEqual(seen.calls, [11]);
  assert.deepStrictEqual(seen.queues, [12]);
  assert.strictEqual(live.lastSeq(), 12);
});

test("ignores what the snapshot already holds", () => {
  const { socket, seen } = load();
  socket.fire("ticket_called", { seq: 9 });
  socket.fire("ticket_called", { seq: 10 });
  assert.deepStrictEqual(seen.calls, []);
  assert.strictEqual(socket.subscribes.length, 0);
});

test("waits for a seq that arrives out of order, without re-fetching", async () => {
  const { socket, seen } = load();
  socket.fire("ticket_called", { seq: 12 });
  socket.fire("ticket_called", { seq: 11 });
  await sleep(400);
  assert.deepStrictEqual(seen.calls, [11, 12]);
  assert.strictEqual(socket.subscribes.length, 0);
});

test("re-fetches the snapshot when a gap stays, then goes on from it", async () => {
  const { socket, seen } = load();
  socket.fire("ticket_called", { seq: 13 });
  await sleep(400);
  assert.strictEqual(socket.subscribes.length, 1);
  socket.fire("ticket_called", { seq: 16 });  // arrives while the snapshot is on its way
  socket.answer({ seq: 15, calls: [], queues: [] });
  assert.deepStrictEqual(seen.snapshots.map((s) => [s.seq, s.catchingUp]), [[10, false], [15, true]]);
  assert.deepStrictEqual(seen.calls, [16]);
});

test("starts afresh when the server's counter went back (a restart)", () => {
  const { socket } = load(100);
  socket.fire("ticket_called", { seq: 1 });
  assert.strictEqual(socket.subscribes.length, 1);
});

test("re-fetches on reconnect and forgets what it held", () => {
  const { socket, seen } = load();
  socket.fire("ticket_called", { seq: 13 });
  socket.fire("disconnect");
  socket.fire("connect");
  socket.answer({ seq: 3, calls: [], queues: [] });
  socket.fire("ticket_called", { seq: 4 });
  assert.deepStrictEqual(seen.calls, [4]);
});

test("re-fetches the snapshot when the server says resync (its Redis is back)", () => {
  const { socket, seen } = load();
  socket.fire("resync", { reason: "redis" });
  assert.strictEqual(socket.subscribes.length, 1);
  socket.fire("ticket_called", { seq: 40 });  // buffered while the snapshot is on its way
  socket.answer({ seq: 39, calls: [], queues: [] });
  assert.deepStrictEqual(seen.snapshots.map((s) => [s.seq, s.catchingUp]), [[10, false], [39, true]]);
  assert.deepStrictEqual(seen.calls, [40]);
});
