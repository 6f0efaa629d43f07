/*
 * live.js — the hall's realtime client, shared by every screen.
 *
 *   const live = WubanLive.connect({
 *     subscribe: {hall: "xiqu"} | {window: 3},
 *     token: "…",                 // staff screens: the bearer token embedded in the page
 *     onSnapshot(snapshot) {},    // the board snapshot: on (re)connect and after a gap in seq
 *     onCall(event) {},           // ticket_called, applied in seq order, each once
 *     onQueue(event) {},          // queue_updated
 *     onTicket(notice) {},        // ticket_updated: a ticket changed state (no seq; may be missed)
 *     onWindow(notice) {},        // window_updated: a window opened, paused or closed (no seq)
 *     onReady(notice) {},         // ready_updated: a result came to the pickup window or left it (no seq)
 *     onStatus(online) {},        // true once subscribed, false when disconnected: to show "offline"
 *     onError(error) {},          // the contract's error body when a subscribe is refused
 *   });
 *
 * onSnapshot gets a second argument, true when the snapshot follows a gap or a reconnect (calls in
 * it may be new to this screen: compare their call_id) and false for the first one.
 *
 * Events carry seq, one counter per hall over both event types. The client applies them in seq
 * order, ignores what the snapshot already holds (seq <= last), waits a moment for a missing seq
 * (events from two processes may cross), and re-fetches the snapshot on a gap that stays, on a
 * reconnect, when seq jumps far back (the server's counter was reset), and on `resync` (the
 * server's Redis is back after an outage: docs/realtime.md).
 */
(function (global) {
  "use strict";

  const RESET_DISTANCE = 20;
  // Events from two server processes can arrive out of order: wait this long for a missing seq
  // before re-fetching the snapshot (so a busy moment does not send every board to the server).
  const GAP_WAIT_MS = 300;

  function connect(options) {
    const socket = global.io({
      transports: ["websocket", "polling"],
      auth: options.token ? { token: options.token } : {},
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
    });
    let lastSeq = null;
    let refetching = false;
    let buffer = [];
    let snapshots = 0;
    let gapTimer = null;

    const handlers = {
      ticket_called: options.onCall || function () {},
      queue_updated: options.onQueue || function () {},
    };

    function status(online) {
      if (options.onStatus) options.onStatus(online);
    }

    function refetch() {
      if (refetching) return;
      refetching = true;
      socket.timeout(5000).emit("subscribe", options.subscribe, function (err, snapshot) {
        refetching = false;
        if (err) {
          // No answer in time: try again while connected; the reconnect path covers the rest.
          if (socket.connected) setTimeout(refetch, 1000);
          return;
        }
        if (snapshot && snapshot.error) {
          buffer = [];  // refused: nothing will be applied, so keep nothing
          if (options.onError) options.onError(snapshot);
          return;
        }
        lastSeq = snapshot.seq;
        clearTimeout(gapTimer);
        gapTimer = null;
        const pending = buffer;
        buffer = [];
        if (options.onSnapshot) options.onSnapshot(snapshot, snapshots > 0);
        snapshots += 1;
        status(true);  // live only once subscribed: events from here on reach this screen
        pending.sort(function (a, b) { return a.payload.seq - b.payload.seq; })
          .forEach(function (item) { receive(item.name, item.payload); });
      });
    }

    function receive(name, payload) {
      const seq = payload.seq;
      if (refetching || lastSeq === null) {
        buffer.push({ name: name, payload: payload });
        return;
      }
      if (seq < lastSeq - RESET_DISTANCE) {  // the server's counter started again: start afresh
        buffer.push({ name: name, payload: payload });
        refetch();
        return;
      }
      if (seq <= lastSeq) return;  // already applied, or already in the snapshot
      buffer.push({ name: name, payload: payload });
      drain();
    }

    function drain() {
      buffer.sort(function (a, b) { return a.payload.seq - b.payload.seq; });
      while (buffer.length && buffer[0].payload.seq <= lastSeq + 1) {
        const item = buffer.shift();
        if (item.payload.seq === lastSeq + 1) {
          lastSeq = item.payload.seq;
          handlers[item.name](item.payload);
        }
      }
      if (buffer.length === 0) {
        clearTimeout(gapTimer);
        gapTimer = null;
      } else if (gapTimer === null) {
        gapTimer = setTimeout(function () {
          gapTimer = null;
          if (buffer.length && !refetching) refetch();
        }, GAP_WAIT_MS);
      }
    }

    socket.on("connect", refetch);
    socket.on("disconnect", function () {
      status(false);
      // Start afresh on reconnect: the snapshot covers everything, and the server's counter may be new.
      lastSeq = null;
      buffer = [];
      refetching = false;
      clearTimeout(gapTimer);
      gapTimer = null;
    });
    socket.on("connect_error", function () { status(false); });
    Object.keys(handlers).forEach(function (name) {
      socket.on(name, function (payload) { receive(name, payload); });
    });
    // Notices carry no seq: hand them over as they come (a snapshot after a gap covers what matters).
    socket.on("ticket_updated", function (notice) { if (options.onTicket) options.onTicket(notice); });
    // The server's Redis came back after an outage: events of other processes were lost meanwhile.
    socket.on("resync", function () { if (lastSeq !== null) refetch(); });
    socket.on("window_updated", function (notice) { if (options.onWindow) options.onWindow(notice); });
    // 办结公示: a result came to the hall's pickup window or was handed over (no seq).
    socket.on("ready_updated", function (notice) { if (options.onReady) options.onReady(notice); });

    return {
      socket: socket,
      refetch: refetch,
      lastSeq: function () { return lastSeq; },
    };
  }

  global.WubanLive = { connect: connect };
})(window);
