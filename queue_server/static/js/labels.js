/*
 * labels.js — the names of case states and triggers, modes, ticket states and triggers, as the
 * server gives them (GET /api/v1/labels, built from the workflows): no screen keeps its own copy.
 *
 *   const labels = await loadLabels();
 *   label(labels.case_states, "in_approval")   // the server's name, or the key when it has none
 */
import { createClient } from "./api.js";

const EMPTY = { case_states: {}, case_triggers: {}, modes: {}, ticket_states: {}, ticket_triggers: {}, suspend_kinds: {} };
let loading = null;

/** Load the names once per page; without an answer, empty names (keys are shown) and a later call asks again. */
export function loadLabels() {
  if (!loading) {
    const api = createClient();
    loading = api("GET", "/labels").catch(function () {
      loading = null;
      return EMPTY;
    });
  }
  return loading;
}

/** Name a key from one of the lists; — for no key. */
export function label(names, key) {
  if (key === null || key === undefined || key === "") return "—";
  return (names && names[key]) || key;
}

/** The reasons offered after a bad grade (1 差 or 2), in this order, on every rating screen. */
export const BAD_REASONS = ["办事指南不清", "等候时间长", "服务态度差", "多次跑动", "其他"];

/**
 * The comment a bad rating is sent with: 【reason】 then the citizen's words. The ratings API keeps no
 * reason of its own yet, so the reason travels at the head of the comment (where the rectification shows it).
 */
export function reasonComment(reason, comment) {
  const words = (comment || "").trim();
  if (!reason) return words;
  return ("【" + reason + "】" + words).slice(0, 500);
}
