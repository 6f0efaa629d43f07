/*
 * transit.js — the supervisor screen's 案卷流转超时: the paper files sent between halls (流转单) and not
 * received within the allowed working days, for the watched hall and every hall below it
 * (GET /api/v1/halls/{hall}/transfers/overdue?include=children), re-read every minute and on 刷新.
 */
import { createClient } from "/static/js/api.js";
import { $, config, el } from "/static/js/dom.js";
import { hallDateTime } from "/static/js/time.js";

const cfg = config("sv-config");
const api = createClient({ token: cfg.token });
const REFRESH_EVERY_MS = 60000;

async function refresh() {
  const path = "/halls/" + encodeURIComponent(cfg.hall) + "/transfers/overdue?include=children";
  let answer;
  try {
    answer = await api("GET", path);
  } catch (error) {
    $("sv-transit-empty").hidden = false;
    $("sv-transit-empty").textContent = "流转超时案卷暂时无法读取";
    return;
  }
  $("sv-transit-rule").textContent = "在途超过 " + answer.allowed_workdays + " 个工作日";
  const body = $("sv-transit");
  body.replaceChildren.apply(body, answer.items.map(function (slip) {
    const tr = el("tr");
    tr.dataset.slip = String(slip.id);
    tr.dataset.caseNo = slip.case_no;
    const kase = el("td", "sv-transit-case");
    kase.append(el("b", null, slip.case_no), el("small", null, slip.service_name));
    tr.append(kase, el("td", null, slip.from_hall_name), el("td", null, slip.to_hall_name),
      el("td", null, hallDateTime(slip.sent_at, cfg.tz) + (slip.sent_by ? " · " + slip.sent_by : "")),
      el("td", "num is-red", slip.workdays + " 个工作日"));
    return tr;
  }));
  $("sv-transit-count").textContent = answer.items.length ? String(answer.items.length) : "";
  $("sv-transit-empty").textContent = "没有流转超时的案卷";
  $("sv-transit-empty").hidden = answer.items.length > 0;
}

$("sv-refresh").addEventListener("click", refresh);
refresh();
setInterval(refresh, REFRESH_EVERY_MS);
