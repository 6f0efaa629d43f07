/*
 * 同城办 in the 受理 panel: the halls of the city (GET /halls) for the pickup hall (领取大厅, default
 * this hall) and, when the item is taken in as 同城办, the district that decides it (办件管辖, default
 * this hall's district). The created case shows both.
 */
import { $ } from "/static/js/dom.js";
import { cfg, api } from "./context.js";

const city = { halls: null };

/** Return the district hall at the top of a hall's branch (the hall itself for a district). */
function districtOf(code) {
  const byCode = {};
  city.halls.forEach(function (hall) { byCode[hall.code] = hall; });
  let hall = byCode[code];
  const seen = {};
  while (hall && hall.parent && byCode[hall.parent] && !seen[hall.code]) {
    seen[hall.code] = true;
    hall = byCode[hall.parent];
  }
  return hall ? hall.code : code;
}

function fillSelect(select, halls, chosen) {
  select.textContent = "";
  halls.forEach(function (hall) {
    // The default is the option's own, so that the form's reset comes back to it.
    const isDefault = hall.code === chosen;
    select.append(new Option(hall.name, hall.code, isDefault, isDefault));
  });
}

/** Read the halls of the city once and fill the pickup hall and jurisdiction lists. */
export async function loadCity() {
  if (city.halls) return;
  try {
    city.halls = await api("GET", "/halls");
  } catch (error) {
    city.halls = [{ code: cfg.hall, name: cfg.hall, level: "district", parent: null }];
  }
  fillSelect($("in-pickup-hall"), city.halls, cfg.hall);
  const districts = city.halls.filter(function (hall) { return hall.level === "district"; });
  fillSelect($("in-jurisdiction"), districts, districtOf(cfg.hall));
}

/** Offer 办件管辖 only when the case is taken in as 同城办; name the delivery choice for it. */
export function cityModeChanged(mode) {
  const citywide = mode === "citywide";
  $("in-jurisdiction-field").hidden = !citywide;
  $("in-delivery-legend").textContent = citywide ? "领取方式" : "送达方式";
}

/** What POST /cases takes for 同城办 besides the application: the district that decides. */
export function cityBody(mode) {
  const jurisdiction = $("in-jurisdiction").value;
  return mode === "citywide" && jurisdiction ? { jurisdiction: jurisdiction } : {};
}

/** Name where a created case is decided and collected, when that is not simply this hall. */
export function renderCityResult(kase) {
  const line = $("in-case-city");
  const delivery = kase.delivery || {};
  const elsewhere = kase.mode === "citywide" || (delivery.hall && delivery.hall !== kase.hall);
  const facts = [];
  if (elsewhere && kase.jurisdiction_name) facts.push("办件管辖：" + kase.jurisdiction_name);
  if (elsewhere && delivery.method === "pickup") facts.push("领取大厅：" + (delivery.hall_name || delivery.hall));
  if (elsewhere && delivery.method === "mail") facts.push("邮寄送达");
  line.textContent = facts.join(" · ");
  line.hidden = facts.length === 0;
  line.dataset.jurisdiction = kase.jurisdiction || "";
  line.dataset.pickupHall = delivery.method === "pickup" ? delivery.hall || "" : "";
}
