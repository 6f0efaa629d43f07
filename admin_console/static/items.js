/*
 * items.js — the 事项清单 tab: the 五办 items with their drafts, edit a draft, publish it as the next
 * version with its date of effect, see who published which version; XLSX export and import; each
 * material's 示例文本 (samples.js). A hall administrator reads all of it and changes nothing.
 */
import { $, el, show } from "/static/js/dom.js";
import { dateTimeText } from "/static/js/time.js";
import { createForm, createList, importForm, query, rowButton, setOptions } from "./common.js";
import { setupSamples } from "./samples.js";
import { setupBundleFields } from "./bundle_fields.js";

const MODES = [["immediate", "马上办"], ["online", "网上办"], ["once", "一次办"], ["agent", "代理办"],
  ["citywide", "同城办"], ["bundle", "主题式服务（一件事）"]];
const MODE_NAMES = Object.fromEntries(MODES.concat([["bundle", "主题式服务"]]));
const STATES = { draft: "草稿（未发布）", published: "已发布", changed: "有待发布的修改" };
const FORMS = { original: "原件", copy: "复印件", original_and_copy: "原件及复印件" };
const GUIDE = [["conditions", "受理条件"], ["basis", "设定依据"], ["fee", "收费标准"], ["place", "办理地点"],
  ["hours", "办理时间"], ["result", "办理结果"], ["notes", "备注"]];
const LINE = /^(.+?)（(原件及复印件|原件|复印件)，(\d+)份((?:，[^，）]+)*)）(?:——(.*))?$/;

/** Write materials one a line: 名称（原件，1份，可容缺）——备注. */
function materialsText(materials) {
  return materials.map(function (m) {
    const flags = (m.required === false ? "，非必交" : "") + (m.deferrable ? "，可容缺" : "");
    return m.name + "（" + FORMS[m.form || "original"] + "，" + (m.count || 1) + "份" + flags + "）"
      + (m.note ? "——" + m.note : "");
  }).join("\n");
}

/** Read the lines back; a line that does not parse is answered as an error beside the field. */
function parseMaterials(text) {
  return text.split("\n").map(function (line) { return line.trim(); }).filter(Boolean).map(function (line) {
    const match = LINE.exec(line);
    if (!match) {
      const why = "材料“" + line + "”应写作：名称（原件，1份[，非必交][，可容缺]）[——备注]";
      throw { message: "申请材料的写法不对", details: { fields: { materials: why } } };
    }
    const flags = match[4].split("，").filter(Boolean);
    const form = Object.keys(FORMS).find(function (key) { return FORMS[key] === match[2]; });
    return { name: match[1], form: form, count: Number(match[3]), required: flags.indexOf("非必交") < 0,
      deferrable: flags.indexOf("可容缺") >= 0, note: (match[5] || "").trim() };
  });
}

/** Read the accepting halls: codes separated by 、 or commas; none: every hall (null). */
function hallCodes(text) {
  const codes = String(text || "").split(/[、，,；;\s]+/).filter(Boolean);
  return codes.length ? codes : null;
}

/** Set up the tab; ctx: {api, cfg, banner}. */
export function setupItems(ctx) {
  const form = $("item-form");
  let editing = null;
  let current = null;
  const fields = createForm(form, $("item-fields"), [
    { name: "code", label: "事项编码", hint: "字母、数字、- 或 _，建成后不能修改" },
    { name: "name", label: "事项名称" },
    { name: "department", label: "实施部门", type: "select" },
    { name: "queue", label: "受理队列编码", hint: "各大厅综合窗口的队列编码，如 shsd" },
    { name: "modes", label: "办理方式", type: "checkboxes", options: MODES },
    { name: "legal_days", label: "法定时限（工作日）", type: "number" },
    { name: "promised_days", label: "承诺时限（工作日）", type: "number", hint: "不超过法定时限" },
    { name: "halls", label: "受理大厅编码", hint: "下放到社区时填写，以“、”分隔，如 xiqu、caihong；留空为全部大厅（同城办事项全市通办）" },
  ].concat(GUIDE.map(function (g) { return { name: "guide." + g[0], label: g[1] }; })));
  const materials = $("item-materials");
  const bundle = setupBundleFields($("item-fields"));
  const isBundle = function () { return fields.values().modes.indexOf("bundle") >= 0; };
  fields.field("modes").addEventListener("change", function () { bundle.show(isBundle()); });
  const samples = setupSamples(ctx, $("item-samples"));
  const canEdit = Boolean(ctx.cfg.everywhere);  // the list is the administrators'; a hall admin reads it
  if (!canEdit) {
    ["items-import-form", "item-save", "item-new", "item-publish-box"].forEach(function (id) {
      $(id).hidden = true;
    });
    form.querySelectorAll("input, select, textarea").forEach(function (control) { control.disabled = true; });
  }

  function fillForm(item) {
    const values = Object.assign({}, item);
    GUIDE.forEach(function (g) { values["guide." + g[0]] = (item.guide || {})[g[0]] || ""; });
    values.halls = (item.halls || []).join("、");
    fields.fill(values);
    bundle.fill(item);
    bundle.show((item.modes || []).indexOf("bundle") >= 0);
    materials.value = materialsText(item.materials || []);
  }

  function startNew() {
    editing = null;
    current = null;
    $("item-form-title").textContent = canEdit ? "新建事项（保存为草稿）" : "在列表中选择事项查看";
    fillForm({ modes: [], materials: [], guide: {}, legal_days: "", promised_days: "" });
    fields.field("code").disabled = !canEdit;
    fields.clear();
    $("item-publish-box").hidden = true;
    $("item-versions").replaceChildren();
    samples.show(null);
  }

  async function edit(code) {
    const item = await ctx.api("GET", "/admin/services/" + encodeURIComponent(code));
    editing = item.code;
    current = item;
    $("item-form-title").textContent = (canEdit ? "修改事项：" : "查看事项：") + item.name + "（" + STATES[item.state]
      + (item.version ? "，现为第 " + item.version + " 版" : "") + "）";
    fillForm(item);
    fields.field("code").disabled = true;
    fields.clear();
    $("item-publish-box").hidden = !canEdit;
    $("item-publish").disabled = item.state === "published";
    await Promise.all([loadVersions(item.code), samples.show(item)]);
  }

  async function loadVersions(code) {
    const history = await ctx.api("GET", "/admin/services/" + encodeURIComponent(code) + "/versions");
    const rows = history.items.map(function (v) {
      return el("tr", null, [
        el("td", null, "第 " + v.version + " 版" + (v.version === history.in_effect ? "（现行）" : "")),
        el("td", null, v.effective), el("td", null, dateTimeText(v.published_at, ctx.cfg.tz)),
        el("td", null, v.published_by_name || v.published_by || "系统"),
        el("td", null, v.name + "；承诺 " + v.promised_days + " / 法定 " + v.legal_days + " 个工作日"),
      ]);
    });
    $("item-versions").replaceChildren(rows.length ? el("table", "ad-table", [
      el("caption", null, "版本历史"),
      el("thead", null, [el("tr", null, ["版本", "生效日期", "发布时间", "发布人", "内容"].map(function (h) {
        return el("th", { scope: "col" }, h);
      }))]),
      el("tbody", null, rows),
    ]) : el("p", "ad-empty", "尚未发布，公众看不到该事项"));
  }

  const list = createList({
    box: $("items-list"), title: "五办事项清单", onError: ctx.banner.error, searchLabel: "事项编码或名称",
    load: function (params) {
      params.state = $("items-state").value;
      return ctx.api("GET", "/admin/services" + query(params));
    },
    columns: [
      { label: "编码", cell: function (s) { return s.code; } },
      { label: "名称", cell: function (s) { return s.name; } },
      { label: "办理方式", cell: function (s) {
        return s.modes.map(function (m) { return MODE_NAMES[m] || m; }).join("、");
      } },
      { label: "时限", cell: function (s) { return s.promised_days + " / " + s.legal_days; } },
      { label: "状态", cell: function (s) {
        return STATES[s.state] + (s.version ? " · 第 " + s.version + " 版" : "");
      } },
      { label: "操作", cell: function (s) {
        const verb = canEdit ? "修改" : "查看";
        return rowButton(verb, function () { edit(s.code).catch(ctx.banner.error); }, verb + s.name);
      } },
    ],
  });
  $("items-state").addEventListener("change", function () { list.reset(); });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const v = fields.values();
    try {
      const guide = Object.assign({}, current ? current.guide : {});
      GUIDE.forEach(function (g) { guide[g[0]] = v["guide." + g[0]]; });
      const body = { name: v.name, department: v.department, queue: v.queue, modes: v.modes,
        legal_days: v.legal_days, promised_days: v.promised_days, materials: parseMaterials(materials.value),
        guide: guide, halls: hallCodes(v.halls) };
      Object.assign(body, isBundle() ? bundle.values() : { parts: [], depends: {}, questions: [] });
      let item;
      if (editing) {
        item = await ctx.api("PATCH", "/admin/services/" + encodeURIComponent(editing), body);
      } else {
        body.code = v.code;
        item = await ctx.api("POST", "/admin/services", body);
      }
      ctx.banner.info("已保存草稿：" + item.name + "（发布后对公众生效）");
      await edit(item.code);
      list.refresh();
    } catch (error) {
      fields.showErrors(error);
    }
  });

  $("item-publish").addEventListener("click", async function () {
    const effective = $("item-effective").value;
    try {
      const published = await ctx.api("POST", "/admin/services/" + encodeURIComponent(editing) + "/publish",
        effective ? { effective: effective } : {});
      ctx.banner.info("已发布 " + published.code + " 第 " + published.version + " 版，"
        + published.effective + " 起生效");
      await edit(published.code);
      list.refresh();
    } catch (error) {
      fields.showErrors(error);
    }
  });
  $("item-new").addEventListener("click", startNew);

  $("items-export").addEventListener("click", async function () {
    try {
      const response = await ctx.api.raw("GET", "/admin/services/export", { accept: "*/*" });
      const link = el("a", { href: URL.createObjectURL(await response.blob()), download: "五办事项清单.xlsx" });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) {
      ctx.banner.error(error);
    }
  });

  importForm(ctx.api, "items", {
    url: "/admin/services/import",
    missing: "请选择要导入的 XLSX 文件",
    done: function (result) {
      ctx.banner.info("导入完成：新建草稿 " + result.created.length + " 项，修改草稿 " + result.updated.length
        + " 项，未变 " + result.unchanged.length + " 项（发布后生效）");
      list.refresh();
    },
    problems: function (error) {
      return ((error.details && error.details.rows) || []).map(function (row) {
        return "第 " + row.row + " 行" + (row.code ? "（" + row.code + "）" : "") + "："
          + Object.keys(row.fields).map(function (column) { return column + " — " + row.fields[column]; }).join("；");
      });
    },
  });

  /** Offer the departments. */
  async function loadChoices() {
    const departments = await ctx.api("GET", "/admin/departments?limit=200");
    setOptions(fields.field("department"), departments.items.map(function (d) { return [d.code, d.name]; }));
  }

  startNew();
  return { refresh: function () { return Promise.all([list.refresh(), loadChoices()]); } };
}
