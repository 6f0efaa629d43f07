/*
 * audit.js — the 审计日志 tab: who changed what and when, before and after; filtered and paged.
 */
import { $, el, show } from "/static/js/dom.js";
import { dateTimeText } from "/static/js/time.js";
import { createList, query } from "./common.js";

const ACTIONS = {
  "hall.created": "新建大厅", "hall.updated": "修改大厅", "department.created": "新建部门",
  "queue.created": "新建队列", "queue.deleted": "删除队列", "window.created": "新建窗口",
  "window.updated": "修改窗口", "user.created": "新建工作人员", "user.updated": "修改工作人员",
  "user.locked": "账号锁定", "user.password_changed": "本人修改密码",
  "service.created": "新建事项", "service.updated": "修改事项草稿", "service.published": "发布事项版本",
};

function changeText(values) {
  if (!values) return "—";
  return Object.keys(values).map(function (key) {
    const value = values[key];
    return key + "：" + (value === null ? "空" : typeof value === "object" ? JSON.stringify(value) : value);
  }).join("；");
}

/** Set up the tab; ctx: {api, cfg, banner}. */
export function setupAudit(ctx) {
  const filters = { actor: "", object: "", from: "", to: "" };
  const list = createList({
    box: $("audit-list"), title: "审计记录", searchLabel: "对象（如 user:clerk1）",
    onError: function (error) { show($("audit-error"), error.message); },
    load: function (params) {
      show($("audit-error"), "");
      const object = params.q || filters.object;
      return ctx.api("GET", "/admin/audit" + query({
        actor: filters.actor, object: object, from: filters.from, to: filters.to,
        limit: params.limit, offset: params.offset,
      }));
    },
    columns: [
      { label: "时间", cell: function (e) { return dateTimeText(e.at, ctx.cfg.tz); } },
      { label: "操作人", cell: function (e) { return e.actor || "系统"; } },
      { label: "操作", cell: function (e) { return ACTIONS[e.action] || e.action; } },
      { label: "对象", cell: function (e) { return e.object; } },
      { label: "修改前", cell: function (e) { return el("span", "ad-wrap", changeText(e.before)); } },
      { label: "修改后", cell: function (e) { return el("span", "ad-wrap", changeText(e.after)); } },
    ],
  });
  $("audit-filters").addEventListener("submit", function (event) {
    event.preventDefault();
    filters.actor = $("audit-actor").value.trim();
    filters.object = $("audit-object").value.trim();
    filters.from = $("audit-from").value;
    filters.to = $("audit-to").value;
    list.reset();
  });
  return { refresh: list.refresh };
}
