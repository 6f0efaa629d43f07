/*
 * What the kiosk's modules share: the page's configuration, the API client (every POST with an
 * Idempotency-Key, re-sent with it after a network error: a citizen who taps again while the
 * network hiccups gets the ticket the kiosk already took, not a second one), the screen's state,
 * the toast and the hall clock's format.
 */
import { createClient } from "/static/js/api.js";
import { $, config } from "/static/js/dom.js";

export const cfg = config("kiosk-config");
// The page names every address in full (the API's and the kiosk's own printing route).
export const api = createClient({ base: "" });

export const state = {
  queues: [],                 // [{code, name, prefix, waiting, est_wait_s}] in the hall's order
  queueByCode: {},
  waiting: {},                // code → waiting count (live)
  services: [],
  servicesLoadedAt: 0,
  view: "queues",
  chip: "",
  priorityReason: null,
  busy: false,
  lastTouch: Date.now(),
  ticketTimer: null,
  ticketDeadline: 0,
};

export function urlFor(template, id) {
  return template.replace(/\/0(?=\/|$)/, "/" + id);
}

let toastTimer = null;
export function toast(message, kind) {
  const box = $("toast");
  box.textContent = message;
  box.className = "k-toast" + (kind ? " k-toast-" + kind : "");
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(function () { box.hidden = true; }, 6000);
}

// The hall's own time (TZ_NAME), whatever the kiosk computer's zone.
export const timeFormat = new Intl.DateTimeFormat("zh-CN", { timeZone: cfg.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
