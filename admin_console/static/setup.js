/*
 * setup.js — the 队列与窗口 tab: a hall's queues (add, delete) and windows (add, change the queues
 * they serve in priority order, 统一出件). A window's new queues apply from its next call.
 */
import { $ } from "/static/js/dom.js";
import { createForm, createList, query, rowButton, setOptions } from "./common.js";

const STATUS = { open: "开放", paused: "暂停", closed: "关闭" };

/** Read queue codes typed in order, separated by commas, 顿号 or spaces. */
export function parseCodes(text) {
  return text.split(/[\s,，、]+/).map(function (code) { return code.trim(); }).filter(Boolean);
}

/** Set up the tab; ctx: {api, cfg, banner}. */
export function setupHallSetup(ctx) {
  const picker = $("setup-hall");
  let hall = null;
  let editing = null;
  let knownQueues = [];

  const queueForm = createForm($("queue-form"), $("queue-fields"), [
    { name: "code", label: "队列编码" },
    { name: "name", label: "名称" },
    { name: "prefix", label: "号码前缀", hint: "1–4 个字母，如 A" },
  ]);
  const windowForm = createForm($("window-form"), $("window-fields"), [
    { name: "number", label: "窗口号", type: "number" },
    { name: "name", label: "名称" },
    { name: "queues", label: "服务队列（按叫号优先顺序）", hint: "填写队列编码，用逗号分隔" },
    { name: "pickup", label: "统一出件窗口", type: "checkbox" },
  ]);

  function path(tail) { return "/admin/halls/" + encodeURIComponent(hall) + tail; }

  const queues = createList({
    box: $("queues-list"), title: "队列", onError: ctx.banner.error, searchLabel: "编码、名称或前缀",
    load: async function (params) {
      if (!hall) return { items: [], total: 0 };
      const page = await ctx.api("GET", path("/queues" + query(params)));
      knownQueues = page.items;
      hint();
      return page;
    },
    columns: [
      { label: "编码", cell: function (q) { return q.code; } },
      { label: "名称", cell: function (q) { return q.name; } },
      { label: "前缀", cell: function (q) { return q.prefix; } },
      { label: "操作", cell: function (q) { return rowButton("删除", function () { removeQueue(q); }, "删除队列" + q.name); } },
    ],
  });

  const windows = createList({
    box: $("windows-list"), title: "窗口", onError: ctx.banner.error, searchLabel: "窗口号或名称",
    load: function (params) {
      if (!hall) return Promise.resolve({ items: [], total: 0 });
      return ctx.api("GET", path("/windows" + query(params)));
    },
    columns: [
      { label: "窗口", cell: function (w) { return w.number + " 号"; } },
      { label: "名称", cell: function (w) { return w.name; } },
      { label: "服务队列", cell: function (w) { return w.queues.join(" → ") || "—"; } },
      { label: "统一出件", cell: function (w) { return w.pickup ? "是" : "否"; } },
      { label: "状态", cell: function (w) { return STATUS[w.status] || w.status; } },
      { label: "操作", cell: function (w) { return rowButton("修改", function () { editWindow(w); }, "修改" + w.number + "号窗口"); } },
    ],
  });

  function hint() {
    const box = $("window-form").querySelector('[data-field="queues"] .ad-hint');
    if (box) {
      box.textContent = "填写队列编码，用逗号分隔；本大厅的队列：" +
        (knownQueues.map(function (q) { return q.code + "（" + q.name + "）"; }).join("、") || "暂无");
    }
  }

  async function removeQueue(queue) {
    if (!window.confirm("删除队列“" + queue.name + "”？")) return;
    try {
      await ctx.api("DELETE", path("/queues/" + encodeURIComponent(queue.code)));
      ctx.banner.info("已删除队列：" + queue.name);
      queues.refresh();
    } catch (error) {
      const blocked = (error.details && error.details.blocked_by) || null;
      if (blocked) {
        const parts = [];
        if (blocked.tickets) parts.push("今日号票 " + blocked.tickets + " 张");
        if (blocked.cases) parts.push("在办办件 " + blocked.cases + " 件");
        if (blocked.windows) parts.push("窗口 " + blocked.windows.join("、") + " 号");
        ctx.banner.error({ message: error.message + "（" + parts.join("，") + "）" });
      } else {
        ctx.banner.error(error);
      }
    }
  }

  function newWindow() {
    editing = null;
    $("window-form-title").textContent = "新建窗口";
    windowForm.fill({ pickup: false });
    windowForm.field("number").disabled = false;
    windowForm.clear();
  }

  function editWindow(w) {
    editing = w.id;
    $("window-form-title").textContent = "修改 " + w.number + " 号窗口";
    windowForm.fill({ number: w.number, name: w.name, queues: w.queues.join(", "), pickup: w.pickup });
    windowForm.field("number").disabled = true;
    windowForm.clear();
    windowForm.field("name").focus();
  }

  $("queue-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!hall) return;
    try {
      const queue = await ctx.api("POST", path("/queues"), queueForm.values());
      ctx.banner.info("已新建队列：" + queue.name + "（" + queue.prefix + "）");
      queueForm.fill({});
      queueForm.clear();
      queues.refresh();
    } catch (error) {
      queueForm.showErrors(error);
    }
  });

  $("window-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!hall) return;
    const values = windowForm.values();
    const body = { name: values.name, queues: parseCodes(values.queues), pickup: values.pickup };
    try {
      let saved;
      if (editing) {
        saved = await ctx.api("PATCH", "/admin/windows/" + editing, body);
      } else {
        body.number = values.number;
        saved = await ctx.api("POST", path("/windows"), body);
      }
      ctx.banner.info((editing ? "已保存 " : "已新建 ") + saved.number + " 号窗口，新的服务队列自下一次叫号起生效");
      editWindow(saved);
      windows.refresh();
    } catch (error) {
      windowForm.showErrors(error);
    }
  });
  $("window-new").addEventListener("click", newWindow);

  picker.addEventListener("change", function () {
    hall = picker.value || null;
    newWindow();
    queues.reset();
    windows.reset();
  });

  /** Offer the halls the user administers; keep (or choose) `chosen`. */
  async function loadHalls(chosen) {
    const page = await ctx.api("GET", "/admin/halls?limit=200");
    setOptions(picker, page.items.map(function (h) { return [h.code, h.name + "（" + h.code + "）"]; }));
    if (chosen) picker.value = chosen;
    hall = picker.value || null;
    queues.reset();
    windows.reset();
  }

  newWindow();
  return { loadHalls: loadHalls };
}
