/*
 * 可办理的服务大厅 on an item's guide: the halls that accept the item (its `halls`, every hall when null,
 * every hall for a 同城办 item), grouped by district with their addresses, so a citizen finds the one
 * nearest home. The district chosen (我所在的区) is kept in the browser for the next guide.
 */
import { $ } from "/static/js/dom.js";
import { LEVEL_NAMES } from "/static/js/halltree.js";
import * as P from "./portal.js";

const KEY = "wuban.district";

function districtOf(hall, byCode) {
  let current = hall;
  const seen = {};
  while (current.parent && byCode[current.parent] && !seen[current.code]) {
    seen[current.code] = true;
    current = byCode[current.parent];
  }
  return current;
}

/** Show the halls that accept the item, grouped by district. */
export async function showHalls(item) {
  const answer = await P.call(P.cfg.urls.halls);
  if (!answer.ok) return;
  const all = answer.data;
  const byCode = Object.fromEntries(all.map(function (hall) { return [hall.code, hall]; }));
  const everywhere = item.halls === null || item.halls === undefined || item.modes.indexOf("citywide") >= 0;
  const accepting = all.filter(function (hall) { return everywhere || item.halls.indexOf(hall.code) >= 0; });
  const groups = [];
  accepting.forEach(function (hall) {
    const district = districtOf(hall, byCode);
    let group = groups.find(function (g) { return g.district.code === district.code; });
    if (!group) { group = { district: district, halls: [] }; groups.push(group); }
    group.halls.push(hall);
  });
  $("g-halls-hint").textContent = item.modes.indexOf("citywide") >= 0
    ? "同城办事项：全市任一服务大厅均可受理，就近办理。"
    : everywhere ? "各服务大厅均可受理。" : "以下服务大厅可受理本事项，请选择离您最近的大厅。";
  const select = $("g-district");
  select.replaceChildren(P.el("option", { value: "", textContent: "全部" }), ...groups.map(function (g) {
    return P.el("option", { value: g.district.code, textContent: g.district.name });
  }));
  const kept = localStorage.getItem(KEY) || "";
  select.value = groups.some(function (g) { return g.district.code === kept; }) ? kept : "";

  function draw() {
    const chosen = select.value;
    $("g-halls").replaceChildren(...groups.filter(function (g) {
      return !chosen || g.district.code === chosen;
    }).map(function (g) {
      return P.el("section", { className: "o-hall-group", dataset: { district: g.district.code } }, [
        P.el("h4", { textContent: g.district.name.replace("行政服务中心", "") + "（" + g.halls.length + " 个大厅）" }),
        P.el("ul", { className: "o-hall-list" }, g.halls.map(function (hall) {
          return P.el("li", { dataset: { hall: hall.code } }, [
            P.el("strong", { textContent: hall.name }),
            P.el("span", { className: "o-tag is-optional", textContent: LEVEL_NAMES[hall.level] || hall.level }),
            P.el("span", { className: "o-mnote", textContent: hall.address || "" }),
          ]);
        })),
      ]);
    }));
  }
  select.addEventListener("change", function () {
    localStorage.setItem(KEY, select.value);
    draw();
  });
  draw();
  $("g-halls-box").hidden = accepting.length === 0;
}
