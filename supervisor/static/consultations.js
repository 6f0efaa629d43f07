/*
 * consultations.js — the supervisor screen's 在线咨询 line: the month's questions, answered, open, and
 * the median and 95% time to answer (GET /api/v1/consultations/figures), re-read every minute.
 */
import { createClient } from "/static/js/api.js";
import { $, config } from "/static/js/dom.js";

const cfg = config("sv-config");
const api = createClient({ token: cfg.token });
const REFRESH_EVERY_MS = 60000;

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 3600) return Math.max(1, Math.round(seconds / 60)) + " 分钟";
  if (seconds < 86400) return (seconds / 3600).toFixed(1).replace(/\.0$/, "") + " 小时";
  return (seconds / 86400).toFixed(1).replace(/\.0$/, "") + " 天";
}

async function refresh() {
  try {
    const f = await api("GET", "/consultations/figures");
    $("sv-consult").textContent = "咨询 " + f.questions + " · 已答复 " + f.answered + " · 待答复 " + f.open
      + " · 答复用时中位数 " + duration(f.median_answer_s) + " · 95% " + duration(f.p95_answer_s);
    $("sv-consult").dataset.questions = String(f.questions);
  } catch (error) {
    $("sv-consult").textContent = "咨询统计暂时无法读取";
  }
}

refresh();
setInterval(refresh, REFRESH_EVERY_MS);
