/*
 * realtime.js — the socket client with seq catch-up for ES module screens. The page loads
 * /vendor/socket.io.min.js and /static/js/live.js (classic scripts, which run before any module);
 * this hands their WubanLive.connect on. See live.js for the options.
 */

/** Connect and subscribe (live.js's options); null when Socket.IO or live.js did not load. */
export function connect(options) {
  if (!window.WubanLive || !window.io) return null;
  return window.WubanLive.connect(options);
}
