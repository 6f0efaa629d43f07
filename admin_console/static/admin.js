/*
 * The administration console (管理后台): halls, departments, queues and windows, staff, the 五办 item
 * list (kept by administrators, read by hall administrators), the working-day calendar (administrators),
 * the audit log.
 *
 * Every change goes through the administration API (/api/v1/admin/…) with the page's bearer token;
 * a refused form shows the API's details.fields beside each field. Administrators see every hall,
 * a hall administrator its own hall (the API decides; the page only hides what it cannot do).
 */
import { createClient } from "/static/js/api.js";
import { $, config, createBanner } from "/static/js/dom.js";
import { setupAudit } from "./audit.js";
import { setupCalendar } from "./calendar.js";
import { setupDepartments, setupHalls } from "./halls.js";
import { setupItems } from "./items.js";
import { setupHallSetup } from "./setup.js";
import { setupStaff } from "./staff.js";

const cfg = config("ad-config");
const api = createClient({ token: cfg.token });
const banner = createBanner({
  box: $("ad-banner"), text: $("ad-banner-text"), close: $("ad-banner-close"), prefix: "ad-banner",
  loginUrl: cfg.login_url,
});
const ctx = { api: api, cfg: cfg, banner: banner };

const setup = setupHallSetup(ctx);
const staff = setupStaff(ctx);
ctx.onHallsChanged = function (code) {
  setup.loadHalls(code).catch(banner.error);
  staff.loadChoices().catch(banner.error);
};
const halls = setupHalls(ctx);
const departments = setupDepartments(ctx);
const audit = setupAudit(ctx);

// ---------- tabs ----------

const TABS = {
  halls: halls.refresh, departments: departments.refresh,
  setup: function () { return setup.loadHalls(); },
  users: function () { return Promise.all([staff.refresh(), staff.loadChoices()]); },
};
TABS.items = setupItems(ctx).refresh;  // a hall administrator reads the item list
if (cfg.everywhere) TABS.calendar = setupCalendar(ctx).refresh;  // the calendar is the administrators'
TABS.audit = audit.refresh;
const order = Object.keys(TABS);

function choose(name, focus) {
  order.forEach(function (other) {
    const tab = $("tab-" + other);
    const on = other === name;
    tab.setAttribute("aria-selected", on ? "true" : "false");
    tab.tabIndex = on ? 0 : -1;
    $("panel-" + other).hidden = !on;
  });
  if (focus) $("tab-" + name).focus();
  Promise.resolve(TABS[name]()).catch(banner.error);
}

order.forEach(function (name, index) {
  const tab = $("tab-" + name);
  tab.addEventListener("click", function () { choose(name, false); });
  tab.addEventListener("keydown", function (event) {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    choose(order[(index + step + order.length) % order.length], true);
  });
});

choose("halls", false);
halls.editFirst().catch(banner.error);
