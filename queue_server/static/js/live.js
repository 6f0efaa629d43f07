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
 *     onStatus(online) {},        // connection state, to show "offline"
 *     onError(error) {},          // the contract's error body when a subscribe is refused
 *   });
 *
 * onSnapshot gets a second argument, true when the snapshot follows a gap or a reconnect (calls in
 * it may be new to this screen: compare their call_id) and false for the first one.
 *
 * Events carry seq, one counter per hall over both event types. The client applies seq = last+1,
 * ignores what the snapshot already holds (seq <= last), and re-fetches the snapshot on a gap, on a
 * reconnect, and when seq jumps far back (the server's counter was reset).
 */
(function (global) {
  "use strict";

  const RESET_DISTANCE = 20;

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
        const pending = buffer;
        buffer = [];
        if (options.onSnapshot) options.onSnapshot(snapshot, snapshots > 0);
        snapshots += 1;
        pending.sort(function (a, b) { return a.payload.seq - b.payload.seq; })
          .forEach(function (item) { receive(item.name, item.payload); });
      });
    }

    function receive(name, payload) {
      if (refetching || lastSeq === null) {
        buffer.push({ name: name, payload: payload });
        return;
      }
      const seq = payload.seq;
      if (seq === lastSeq + 1) {
        lastSeq = seq;
        handlers[name](payload);
      } else if (seq > lastSeq + 1 || seq < lastSeq - RESET_DISTANCE) {
        buffer.push({ name: name, payload: payload });
        refetch();
      }
      // else: seq <= lastSeq, already in the snapshot
    }

    socket.on("connect", function () { status(true); refetch(); });
    socket.on("disconnect", function () {
      status(false);
      // Start afresh on reconnect: the snapshot covers everything, and the server's counter may be new.
      lastSeq = null;
      buffer = [];
      refetching = false;
    });
    socket.on("connect_error", function () { status(false); });
    Object.keys(handlers).forEach(function (name) {
      socket.on(name, function (payload) { receive(name, payload); });
    });
    // Notices carry no seq: hand them over as they come (a snapshot after a gap covers what matters).
    socket.on("ticket_updated", function (notice) { if (options.onTicket) options.onTicket(notice); });
    socket.on("window_updated", function (notice) { if (options.onWindow) options.onWindow(notice); });

    return {
      socket: socket,
      refetch: refetch,
      lastSeq: function () { return lastSeq; },
    };
  }

  global.WubanLive = { connect: connect };
})(window);
