/*
 * staff.js — the 工作人员 tab: users with roles and hall and department scope. The administrator sets a
 * password (never shown again); 停用 refuses the user's tokens and sessions from their next request.
 */
import { $ } from "/static/js/dom.js";
import { createForm, createList, query, rowButton, setOptions } from "./common.js";
import { setupStaffPhoto } from "./staff_photo.js";

export const ROLE_NAMES = {
  clerk: "窗口人员", approver: "审批人员", supervisor: "督查人员", agent: "代办员", consultant: "咨询人员",
  hall_admin: "大厅管理员", admin: "系统管理员",
};

/** Set up the tab; ctx: {api, cfg, banner}. */
export function setupStaff(ctx) {
  const form = $("user-form");
  let editing = null;
  const roles = Object.keys(ROLE_NAMES).filter(function (role) { return ctx.cfg.everywhere || role !== "admin"; });
  const fields = createForm(form, $("user-fields"), [
    { name: "username", label: "用户名", hint: "字母、数字或 _ . @ -，建成后不能修改" },
    { name: "name", label: "姓名" },
    { name: "employee_no", label: "工号", hint: "字母、数字或 -，如 XQ-0101；评价器显示；可不填" },
    { name: "password", label: "密码", type: "password", hint: "至少 8 个字符；修改时留空则不变" },
    { name: "roles", label: "角色", type: "checkboxes", options: roles.map(function (r) { return [r, ROLE_NAMES[r]]; }) },
    { name: "hall", label: "服务大厅", type: "select" },
    { name: "department", label: "部门", type: "select" },
    { name: "active", label: "启用", type: "checkbox" },
  ]);

  function startNew() {
    editing = null;
    $("user-form-title").textContent = "新建工作人员";
    fields.fill({ active: true, hall: ctx.cfg.hall || "", roles: [] });
    fields.field("username").disabled = false;
    fields.field("active").disabled = true;
    fields.clear();
    photo.edit(null);
  }

  function edit(user) {
    editing = user.username;
    $("user-form-title").textContent = "修改工作人员：" + user.name;
    fields.fill(Object.assign({}, user, {
      password: "", hall: user.hall || "", department: user.department || "", employee_no: user.employee_no || "",
    }));
    fields.field("username").disabled = true;
    fields.field("active").disabled = false;
    fields.clear();
    fields.field("name").focus();
    photo.edit(user);
  }

  const photo = setupStaffPhoto(ctx, function () { list.refresh(); });
  const list = createList({
    box: $("users-list"), title: "工作人员", onError: ctx.banner.error, searchLabel: "用户名或姓名",
    load: function (params) { return ctx.api("GET", "/admin/users" + query(params)); },
    columns: [
      { label: "用户名", cell: function (u) { return u.username; } },
      { label: "姓名", cell: function (u) { return u.name; } },
      { label: "工号", cell: function (u) { return u.employee_no || "—"; } },
      { label: "角色", cell: function (u) { return u.roles.map(function (r) { return ROLE_NAMES[r] || r; }).join("、") || "—"; } },
      { label: "大厅", cell: function (u) { return u.hall; } },
      { label: "部门", cell: function (u) { return u.department; } },
      { label: "状态", cell: function (u) { return u.active ? "启用" : "已停用"; } },
      { label: "操作", cell: function (u) { return rowButton("修改", function () { edit(u); }, "修改" + u.name); } },
    ],
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const v = fields.values();
    const body = {
      name: v.name, roles: v.roles, hall: v.hall || null, department: v.department || null,
      employee_no: v.employee_no || null,
    };
    if (v.password) body.password = v.password;
    try {
      let user;
      if (editing) {
        body.active = v.active;
        user = await ctx.api("PATCH", "/admin/users/" + encodeURIComponent(editing), body);
      } else {
        body.username = v.username;
        body.password = v.password;
        user = await ctx.api("POST", "/admin/users", body);
      }
      ctx.banner.info((editing ? "已保存工作人员：" : "已新建工作人员：") + user.name);
      edit(user);
      list.refresh();
    } catch (error) {
      fields.showErrors(error);
    }
  });
  $("user-new").addEventListener("click", startNew);

  /** Offer the halls and departments the user may choose. */
  async function loadChoices() {
    const halls = await ctx.api("GET", "/admin/halls?limit=200");
    const departments = await ctx.api("GET", "/admin/departments?limit=200");
    const none = ctx.cfg.everywhere ? [["", "（不限大厅）"]] : [];
    setOptions(fields.field("hall"), none.concat(halls.items.map(function (h) { return [h.code, h.name]; })));
    setOptions(fields.field("department"), [["", "（无）"]].concat(
      departments.items.map(function (d) { return [d.code, d.name]; })));
    if (!editing) fields.field("hall").value = ctx.cfg.hall || (ctx.cfg.everywhere ? "" : fields.field("hall").value);
  }

  startNew();
  return { refresh: list.refresh, loadChoices: loadChoices };
}
