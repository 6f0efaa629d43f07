/*
 * ready.js — the board's 办结公示 strip: results waiting at this hall's pickup window (applicant masked).
 *
 * The snapshot's `ready` list (newest first) replaces what the strip shows; a ready_updated notice
 * ({case_no, applicant, service, service_name, ready}) adds a result that came to the window or drops one handed over.
 * Notices carry no seq: a snapshot after a reconnect or a gap brings the strip up to date again.
 * For tests: window.wubanBoard.ready is the list shown, [{case_no, applicant, service, service_name}].
 */
import { $, el } from "/static/js/dom.js";

const SHOWN = 12;   // rows drawn; the rest wait for a place (the count says how many in all)

export function createReadyPanel(board) {
  let rows = [];

  function render() {
    const list = $("ready-list");
    const items = rows.slice(0, SHOWN).map(function (row) {
      return el("li", { className: "ready-row", dataset: { caseNo: row.case_no } }, [
        el("span", "ready-applicant", row.applicant),
        el("span", "ready-service", row.service_name),
        el("span", "ready-case", row.case_no),
      ]);
    });
    list.replaceChildren.apply(list, items);
    $("ready-empty").hidden = rows.length > 0;
    $("ready-count").textContent = rows.length ? "共 " + rows.length + " 件" : "";
  }

  Object.defineProperty(board, "ready", { get: function () { return rows.slice(); } });

  return {
    setAll: function (list) {
      rows = (list || []).map(function (row) {
        return { case_no: row.case_no, applicant: row.applicant, service: row.service, service_name: row.service_name };
      });
      render();
    },
    apply: function (notice) {
      if (notice.hall && notice.hall !== board.hall) return;
      rows = rows.filter(function (row) { return row.case_no !== notice.case_no; });
      if (notice.ready) {
        rows.unshift({ case_no: notice.case_no, applicant: notice.applicant, service: notice.service, service_name: notice.service_name });
      }
      render();
    },
  };
}
