/* The staffing what-if: windows needed by hour (Erlang C) as a table and inline SVG bars. */
import * as R from "./reports.js";
import { $, showError } from "/static/js/dom.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  Object.keys(attrs).forEach(function (name) { node.setAttribute(name, attrs[name]); });
  if (text !== undefined) node.textContent = text;
  return node;
}

function chart(plan) {
  const figure = $("s-chart");
  figure.innerHTML = "";
  if (!plan.hours.length) return;
  const top = Math.max(plan.windows, ...plan.hours.map(function (h) { return h.windows_needed; }), 1);
  const bar = 44, gap = 14, height = 200, left = 28, base = height - 24;
  const width = left + plan.hours.length * (bar + gap);
  const chartSvg = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", class: "r-bars" });
  chartSvg.appendChild(svg("title", {}, "各时段所需窗口数（虚线为该队列现有窗口数）"));
  const scale = function (n) { return base - (n / top) * (base - 16); };
  plan.hours.forEach(function (h, i) {
    const x = left + i * (bar + gap);
    const y = scale(h.windows_needed);
    chartSvg.appendChild(svg("rect", { x: x, y: y, width: bar, height: base - y, class: h.windows_needed > plan.windows ? "is-short" : "" }));
    chartSvg.appendChild(svg("text", { x: x + bar / 2, y: y - 4, "text-anchor": "middle" }, String(h.windows_needed)));
    chartSvg.appendChild(svg("text", { x: x + bar / 2, y: height - 6, "text-anchor": "middle" }, h.hour + "时"));
  });
  const line = scale(plan.windows);
  chartSvg.appendChild(svg("line", { x1: left - 4, x2: width, y1: line, y2: line, class: "r-current" }));
  chartSvg.appendChild(svg("text", { x: 2, y: line + 4 }, String(plan.windows)));
  figure.appendChild(chartSvg);
}

async function run() {
  showError($("s-error"), null);
  const target = Math.round(Number($("s-target").value) * 60);
  const path = "/halls/" + R.cfg.hall + "/queues/" + $("s-queue").value + "/staffing?target_s=" + target +
    "&percentile=" + $("s-percentile").value + "&days=" + $("s-days").value;
  try {
    const plan = await (await R.call(path)).json();
    $("s-summary").textContent = plan.queue_name + "：参考 " + plan.from + " 至 " + plan.to + " 的 " + plan.open_days +
      " 个营业日，现有窗口 " + plan.windows + " 个，平均办理 " + R.minutes(plan.mean_service_s) + "。" +
      (plan.hours.length ? "" : "该期间没有取号记录。");
    R.fill($("s-table"), plan.hours.map(function (h) {
      return [h.hour + ":00–" + (h.hour + 1) + ":00", h.arrivals_per_hour, R.minutes(h.mean_service_s), h.load,
        h.windows_needed, R.percent(h.p_within_target), R.minutes(h.mean_wait_s)];
    }));
    chart(plan);
  } catch (error) {
    showError($("s-error"), error);
  }
}

$("s-run").addEventListener("click", run);
$("s-queue").addEventListener("change", run);
run();
