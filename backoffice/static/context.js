/*
 * What the back office's modules share: the page's configuration, the API client with the page's
 * bearer token, the server's names (labels), the banner, the screen's state and small formats.
 */
import { createClient } from "/static/js/api.js";
import { $, config, createBanner, el } from "/static/js/dom.js";
import { label, loadLabels } from "/static/js/labels.js";
import { hallDate, hallDateTime, remainingText } from "/static/js/time.js";

export const cfg = config("bo-config");
export const api = createClient({ token: cfg.token });
export const labels = await loadLabels();
export const LIMIT = 200;

export const banner = createBanner({
  box: $("bo-banner"), text: $("bo-banner-text"), close: $("bo-banner-close"), prefix: "bo-banner",
  loginUrl: cfg.login_url, errorMs: 15000,
});

// The views of the list: the queries each reads, and the states kept (null: all it answers).
const MINE_STATES = ["reviewing", "suspended", "awaiting_supplement"];
const ALL_TABS = {
  pre_review: { queries: [{ state: "pre_review" }], keep: null, empty: "没有待预审的网上申请" },
  claimable: { queries: [{ state: "in_approval" }], keep: null, empty: "没有待认领的办件" },
  mine: { queries: [{ assignee: "me" }], keep: MINE_STATES, empty: "您手上没有在办的办件" },
  decided: { queries: [{ state: "approved" }, { state: "denied" }], keep: null, empty: "没有待出件的办件" },
  all: { queries: [{}], keep: null, empty: "没有办件" },
};
export const TABS = {};
cfg.tabs.forEach(function (name) { if (ALL_TABS[name]) TABS[name] = ALL_TABS[name]; });   // 案卷流转: transfers.js

// An approver starts at 待认领, a clerk at 网上预审; ?tab= opens another of the user's tabs.
const asked = new URLSearchParams(location.search).get("tab");
export const screen = {
  tab: cfg.tabs.indexOf(asked) >= 0 ? asked : TABS.claimable ? "claimable" : cfg.tabs[0], lists: {}, partial: {}, selected: null, current: null,
  busy: false, loadSeq: 0, detailSeq: 0, search: "", dialogTrigger: null,
};

const LIGHT_NAMES = { green: "绿灯：时限充足", yellow: "黄灯：临近期限", red: "红灯：已超期" };

/** Name a case state, a trigger or a §45 reason as the server does. */
export function stateName(state) { return label(labels.case_states, state); }
export function triggerName(trigger) { return label(labels.case_triggers, trigger); }
export function suspendKindName(kind) { return label(labels.suspend_kinds, kind); }

export function dateOf(iso) { return hallDate(iso, cfg.tz); }
export function dateTime(iso) { return hallDateTime(iso, cfg.tz); }

/** The remaining time of a case (— without a running clock). */
export function remainingDays(c) { return remainingText(c.remaining_workdays) || "—"; }

export function maskName(name) {
  if (!name) return "—";
  const chars = Array.from(name);
  return chars.length <= 1 ? name : chars[0] + "*".repeat(Math.min(chars.length - 1, 3));
}

export function personName(person) {
  if (!person) return "—";
  if (typeof person === "string") return person;
  return person.name || person.username || "—";
}

export function lightName(light) { return light ? LIGHT_NAMES[light] : "不计时"; }

export function lightDot(light) {
  const dot = el("span", "bo-dot is-" + (light || "none"));
  const text = lightName(light);
  dot.title = text;
  dot.setAttribute("role", "img");
  dot.setAttribute("aria-label", text);
  return dot;
}

export function query(params) {
  const search = new URLSearchParams();
  Object.keys(params).forEach(function (key) {
    if (params[key] !== null && params[key] !== undefined && params[key] !== "") search.set(key, params[key]);
  });
  return search.toString();
}
