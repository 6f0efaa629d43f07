/*
 * halls.js — the 服务大厅 and 部门 tabs: lists, and the forms that create and change them.
 */
import { $, el } from "/static/js/dom.js";
import { hallTree } from "/static/js/halltree.js";
import { createForm, createList, query, rowButton } from "./common.js";

const CHILD_LEVEL = { district: "community", community: "station" };
const LEVELS = [["district", "区行政服务中心"], ["community", "社区服务中心"], ["station", "小区政务服务站"]];
const WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"];
const DEFAULT_DAY = { open: "08:30", last_ticket: "17:00", close: "17:30" };

function levelName(level) {
  const found = LEVELS.find(function (pair) { return pair[0] === level; });
  return found ? found[1] : level;
}

/** Describe a week of hours in one line: 周一至周五 08:30–17:30（取号至 17:00）. */
export function hoursText(hours) {
  if (!hours) return "全天可取号";
  const open = Object.keys(hours).filter(function (day) { return hours[day]; });
  if (!open.length) return "不办公";
  return open.map(function (day) {
    const h = hours[day];
    return "周" + WEEKDAYS[Number(day) - 1] + " " + h.open + "–" + h.close + "（取号至 " + h.last_ticket + "）";
  }).join("；");
}

/** The hours table: a row per weekday, with a checkbox for 办公 and three times. */
function buildHoursTable(table) {
  const body = table.querySelector("tbody");
  body.replaceChildren.apply(body, WEEKDAYS.map(function (name, index) {
    const day = String(index + 1);
    const on = el("input", { type: "checkbox", className: "ad-day-on", "aria-label": "周" + name + "办公" });
    on.dataset.day = day;
    on.checked = index < 5;
    const cells = ["open", "last_ticket", "close"].map(function (part) {
      const input = el("input", { type: "time", className: "ad-time", value: DEFAULT_DAY[part] });
      input.dataset.day = day;
      input.dataset.part = part;
      input.dataset.inputFor = "hours." + day + "." + part;
      input.setAttribute("aria-label", "周" + name + { open: "开门", last_ticket: "取号截止", close: "关门" }[part]);
      const error = el("span", { className: "ad-field-error", hidden: true });
      error.dataset.errorFor = "hours." + day + "." + part;
      return el("td", null, [input, error]);
    });
    return el("tr", null, [el("th", { scope: "row" }, "周" + name), el("td", null, [on])].concat(cells));
  }));
}

function readHours(limited, table) {
  if (!limited.checked) return null;
  const hours = {};
  table.querySelectorAll(".ad-day-on").forEach(function (on) {
    const day = on.dataset.day;
    if (!on.checked) { hours[day] = null; return; }
    const times = {};
    table.querySelectorAll('.ad-time[data-day="' + day + '"]').forEach(function (input) {
      times[input.dataset.part] = input.value;
    });
    hours[day] = times;
  });
  return hours;
}

function fillHours(limited, table, hours) {
  limited.checked = !!hours;
  table.hidden = !hours;
  table.querySelectorAll(".ad-day-on").forEach(function (on) {
    const day = on.dataset.day;
    const h = hours ? hours[day] : null;
    on.checked = hours ? !!h : Number(day) <= 5;
    table.querySelectorAll('.ad-time[data-day="' + day + '"]').forEach(function (input) {
      input.value = h ? h[input.dataset.part] : DEFAULT_DAY[input.dataset.part];
    });
  });
}

/** Set up the halls tab; ctx: {api, cfg, banner, onHallsChanged}. */
export function setupHalls(ctx) {
  const form = $("hall-form");
  const limited = $("hall-limited");
  const table = $("hall-hours");
  let editing = null;
  const fields = createForm(form, $("hall-fields"), [
    { name: "code", label: "编码", hint: "字母、数字、- 或 _，建成后不能修改" },
    { name: "name", label: "名称" },
    { name: "address", label: "地址" },
    { name: "phone", label: "电话" },
    { name: "level", label: "级别", type: "select", options: LEVELS },
    { name: "parent", label: "上级大厅编码", hint: "社区服务中心填所属区中心，服务站填所属社区中心" },
  ]);
  buildHoursTable(table);
  limited.addEventListener("change", function () { table.hidden = !limited.checked; });

  function startNew(under) {
    editing = null;
    $("hall-form-title").textContent = under ? "新建" + levelName(CHILD_LEVEL[under.level]) + "（上级：" + under.name + "）" : "新建服务大厅";
    fields.fill(under ? { level: CHILD_LEVEL[under.level], parent: under.code } : { level: "district" });
    fields.field("code").disabled = false;
    fillHours(limited, table, null);
    fields.clear();
  }

  function edit(hall) {
    editing = hall.code;
    $("hall-form-title").textContent = "修改服务大厅：" + hall.name;
    fields.fill(hall);
    fields.field("code").disabled = true;
    fillHours(limited, table, hall.hours);
    fields.clear();
    fields.field("name").focus();
  }

  const list = createList({
    box: $("halls-list"), title: "服务大厅", onError: ctx.banner.error,
    load: function (params) { return ctx.api("GET", "/admin/halls" + query(params)); },
    columns: [
      { label: "编码", cell: function (h) { return h.code; } },
      { label: "名称", cell: function (h) { return h.name; } },
      { label: "级别", cell: function (h) { return levelName(h.level); } },
      { label: "上级", cell: function (h) { return h.parent; } },
      { label: "取号时间", cell: function (h) { return hoursText(h.hours); }, className: "ad-wrap" },
      { label: "操作", cell: function (h) { return rowButton("修改", function () { edit(h); }, "修改" + h.name); } },
    ],
  });

  /** The halls as a tree: each opens in the form; an administrator adds a community or station under one. */
  async function drawTree() {
    const box = $("halls-tree");
    let page;
    try {
      page = await ctx.api("GET", "/admin/halls?limit=200");
    } catch (error) {
      ctx.banner.error(error);
      return;
    }
    const old = box.querySelector(".hall-tree");
    if (old) old.remove();
    $("halls-tree-empty").hidden = page.items.length > 0;
    box.append(hallTree(page.items, function (hall) {
      const parts = [
        el("button", { type: "button", className: "ad-tree-hall" }, hall.name),
        el("span", "ad-tree-code", hall.code),
      ];
      parts[0].addEventListener("click", function () { edit(hall); });
      if (ctx.cfg.everywhere && CHILD_LEVEL[hall.level]) {
        parts.push(rowButton("添加下级", function () { startNew(hall); fields.field("code").focus(); },
          "在" + hall.name + "下新建" + levelName(CHILD_LEVEL[hall.level])));
      }
      return el("span", "ad-tree-row", parts);
    }, { label: "服务大厅层级" }));
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const values = fields.values();
    const body = { name: values.name, address: values.address, phone: values.phone, level: values.level,
      parent: values.parent || null, hours: readHours(limited, table) };
    try {
      let hall;
      if (editing) {
        hall = await ctx.api("PATCH", "/admin/halls/" + encodeURIComponent(editing), body);
      } else {
        body.code = values.code;
        hall = await ctx.api("POST", "/admin/halls", body);
      }
      ctx.banner.info((editing ? "已保存服务大厅：" : "已新建服务大厅：") + hall.name);
      edit(hall);
      list.refresh();
      drawTree();
      ctx.onHallsChanged(hall.code);
    } catch (error) {
      fields.showErrors(error);
    }
  });
  $("hall-new").addEventListener("click", function () { startNew(null); });
  if (!ctx.cfg.everywhere) $("hall-new").hidden = true;
  startNew(null);
  if (!ctx.cfg.everywhere) form.hidden = true;
  drawTree();
  return {
    refresh: function () { drawTree(); return list.refresh(); },
    editFirst: async function () {
      if (ctx.cfg.everywhere) return;
      const page = await ctx.api("GET", "/admin/halls?limit=1");
      if (page.items.length) { form.hidden = false; edit(page.items[0]); }
    },
  };
}

/** Set up the departments tab (administrators add them; hall admins read them). */
export function setupDepartments(ctx) {
  const form = $("department-form");
  const fields = createForm(form, $("department-fields"), [
    { name: "code", label: "编码" },
    { name: "name", label: "名称" },
  ]);
  const list = createList({
    box: $("departments-list"), title: "部门", onError: ctx.banner.error,
    load: function (params) { return ctx.api("GET", "/admin/departments" + query(params)); },
    columns: [
      { label: "编码", cell: function (d) { return d.code; } },
      { label: "名称", cell: function (d) { return d.name; } },
    ],
  });
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    try {
      const department = await ctx.api("POST", "/admin/departments", fields.values());
      ctx.banner.info("已新建部门：" + department.name);
      fields.fill({});
      fields.clear();
      list.refresh();
    } catch (error) {
      fields.showErrors(error);
    }
  });
  if (!ctx.cfg.everywhere) form.hidden = true;
  return { refresh: list.refresh };
}
