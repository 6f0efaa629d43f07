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
