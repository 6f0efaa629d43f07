/*
 * What the clerk's screen and its case panels share: the page's configuration, the API client with
 * the page's bearer token, and the server's names (labels).
 */
import { createClient } from "/static/js/api.js";
import { config } from "/static/js/dom.js";
import { loadLabels } from "/static/js/labels.js";

export const cfg = config("desk-config");
export const api = createClient({ token: cfg.token });
export const labels = await loadLabels();
