/*
 * What the agent screen's modules share: the page's configuration, the API client with the page's
 * bearer token, the banner, the screen's state and small formats.
 */
import { createClient } from "/static/js/api.js";
import { $, config, createBanner } from "/static/js/dom.js";
import { hallDateTime } from "/static/js/time.js";

export const cfg = config("ag-config");
export const api = createClient({ token: cfg.token });
export const banner = createBanner({
  box: $("ag-banner"), text: $("ag-banner-text"), close: $("ag-banner-close"), prefix: "ag-banner",
  loginUrl: cfg.login_url, errorMs: 15000,
});

export const screen = { tab: "requests", lists: { requests: [], mine: [] }, selected: null, current: null, busy: false };

export function dateTime(iso) { return hallDateTime(iso, cfg.tz); }

/** What the request asks: 代办, or 上门办理 with its reasons. */
export function kindText(asked) {
  if (!asked) return "代办";
  if (!asked.home_visit) return "代办";
  return "上门办理" + (asked.reason_names.length ? "（" + asked.reason_names.join("、") + "）" : "");
}
