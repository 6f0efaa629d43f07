/*
 * The item list: GET /api/v1/services?mode=&department=&q= as the filters change, or with a hall chosen
 * GET /api/v1/halls/<hall>/services (the items that hall accepts); the filters stay in the page's
 * address so a filtered list can be shared or reloaded.
 */
import { $ } from "/static/js/dom.js";
import { promisedText } from "/static/js/time.js";
import * as P from "./portal.js";

let asked = 0;
let typing = null;

function filters() {
  return { q: $("f-q").value.trim(), mode: $("f-mode").value, department: $("f-department").value,
    hall: $("f-hall").value };
}

function render(items) {
  $("count").textContent = "共 " + items.length + " 个事项";
  $("items").replaceChildren(...items.map(function (item) {
    const link = P.el("a", { className: "o-item", href: P.url("guide_page", item.code) }, [
      P.el("strong", { textContent: item.name }),
      P.el("small", { textContent: item.code + " · " + item.department_name + " · " + promisedText(item.promised_days) }),
      P.el("span", { className: "o-badges" }, P.badges(item.modes, item.mode_names)),
    ]);
    return P.el("li", { dataset: { code: item.code } }, [link]);
  }));
}

async function load() {
  const wanted = filters();
  const query = new URLSearchParams();
  Object.keys(wanted).forEach(function (key) { if (wanted[key]) query.set(key, wanted[key]); });
  const text = query.toString();
  history.replaceState(null, "", location.pathname + (text ? "?" + text : ""));
  query.delete("hall");
  const asking = query.toString();
  const base = wanted.hall ? P.url("hall_services", wanted.hall) : P.cfg.urls.services;
  const mine = ++asked;
  const answer = await P.call(base + (asking ? "?" + asking : ""));
  if (mine !== asked) return; // a later filter change already asked again
  P.show($("error"), answer.ok ? "" : answer.message);
  if (answer.ok) render(answer.data);
}

async function fillDepartments() {
  const answer = await P.call(P.cfg.urls.services);
  if (!answer.ok) return;
  const seen = {};
  answer.data.forEach(function (item) { seen[item.department] = item.department_name; });
  const chosen = $("f-department").dataset.initial || "";
  Object.keys(seen).forEach(function (code) {
    $("f-department").append(P.el("option", { value: code, textContent: seen[code], selected: code === chosen }));
  });
}

// The address's filters; what was typed or chosen before this module ran is kept.
const initial = new URLSearchParams(location.search);
if (initial.has("q")) $("f-q").value = initial.get("q");
if (initial.has("mode")) $("f-mode").value = initial.get("mode");
$("f-department").dataset.initial = initial.get("department") || $("f-department").value;
/** Offer every hall of the city, each district followed by the halls below it. */
async function fillHalls() {
  const answer = await P.call(P.cfg.urls.halls);
  if (!answer.ok) return;
  const chosen = initial.get("hall") || "";
  const depth = { district: "", community: "　", station: "　　" };
  answer.data.forEach(function (hall) {
    $("f-hall").append(P.el("option", { value: hall.code, textContent: (depth[hall.level] || "") + hall.name,
      selected: hall.code === chosen }));
  });
}

Promise.all([fillDepartments(), fillHalls()]).then(load);
$("f-q").addEventListener("input", function () {
  clearTimeout(typing);
  typing = setTimeout(load, 250);
});
$("f-mode").addEventListener("change", load);
$("f-department").addEventListener("change", load);
$("f-hall").addEventListener("change", load);
// Enter in the search box filters in place (the filters change the list as they are typed).
$("filters").addEventListener("submit", function (event) { event.preventDefault(); });
