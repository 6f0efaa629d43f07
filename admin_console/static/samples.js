/*
 * samples.js — 示例文本 in the 事项清单 tab: one sample file (PDF, JPG or PNG) per material of the item
 * being edited. Administrators upload, replace and remove them; a hall administrator sees them. The
 * public guide links a material's sample once the material is in the published version (url set).
 */
import { el, show } from "/static/js/dom.js";
import { dateTimeText } from "/static/js/time.js";

function sizeText(bytes) {
  return bytes >= 1024 * 1024 ? (bytes / 1024 / 1024).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
}

/** Set up the samples box; ctx: {api, cfg, banner}; answers {show(item|null)}. */
export function setupSamples(ctx, box) {
  const canEdit = Boolean(ctx.cfg.everywhere);
  const error = el("p", { className: "ad-form-error", id: "item-samples-error", role: "alert", hidden: true });
  let item = null;

  function path(suffix) {
    return "/admin/services/" + encodeURIComponent(item.code) + "/samples" + (suffix || "");
  }

  function current(sample) {
    if (!sample) return el("span", "ad-empty", "未上传（公众页面显示材料说明）");
    const meta = "（" + sizeText(sample.size) + "，" + dateTimeText(sample.uploaded_at, ctx.cfg.tz)
      + (sample.uploaded_by ? "，" + sample.uploaded_by : "") + "）";
    const name = sample.url
      ? el("a", { href: sample.url, target: "_blank", rel: "noopener" }, sample.filename)
      : el("span", null, sample.filename + "（该材料发布后公开）");
    return el("span", null, [name, el("small", "ad-hint", meta)]);
  }

  function actions(material, sample, index) {
    if (!canEdit) return null;
    const input = el("input", { type: "file", id: "sample-file-" + index, accept: ".pdf,.jpg,.jpeg,.png",
      "aria-label": "为“" + material.name + "”选择示例文本" });
    const upload = el("button", { type: "button", className: "ad-row-button" }, sample ? "替换" : "上传");
    upload.addEventListener("click", function () { send(material.name, input); });
    const parts = [input, upload];
    if (sample) {
      const remove = el("button", { type: "button", className: "ad-row-button" }, "删除");
      remove.setAttribute("aria-label", "删除“" + material.name + "”的示例文本");
      remove.addEventListener("click", function () { drop(material.name, sample); });
      parts.push(remove);
    }
    return el("span", "ad-sample-actions", parts);
  }

  async function send(material, input) {
    const file = input.files[0];
    if (!file) { show(error, "请先为“" + material + "”选择 PDF、JPG 或 PNG 文件"); return; }
    const data = new FormData();
    data.append("material", material);
    data.append("file", file);
    try {
      await ctx.api.raw("POST", path(), { form: data });
      ctx.banner.info("已保存“" + material + "”的示例文本");
      await refresh();
    } catch (failure) {
      const fields = (failure.details && failure.details.fields) || {};
      show(error, (fields.file || fields.material || failure.message || "上传失败") + "（" + material + "）");
    }
  }

  async function drop(material, sample) {
    try {
      await ctx.api("DELETE", path("/" + sample.id));
      ctx.banner.info("已删除“" + material + "”的示例文本，公众页面改为显示材料说明");
      await refresh();
    } catch (failure) {
      show(error, failure.message || "删除失败");
    }
  }

  async function refresh() {
    const answer = await ctx.api("GET", path());
    const byName = {};
    answer.items.forEach(function (sample) { byName[sample.material] = sample; });
    const rows = (item.materials || []).map(function (material, index) {
      const sample = byName[material.name];
      return el("tr", null, [
        el("td", null, material.name), el("td", null, [current(sample)]),
        canEdit ? el("td", null, [actions(material, sample, index)]) : null,
      ]);
    });
    const heads = ["材料", "示例文本"].concat(canEdit ? ["上传或删除"] : []);
    show(error, "");
    box.replaceChildren(
      el("h3", null, "示例文本"),
      el("p", "ad-hint", "每项材料可上传一个示例文本（PDF、JPG 或 PNG），在办事指南中显示为“查看示例”；"
        + "未上传的材料显示系统生成的材料说明。"),
      rows.length ? el("table", "ad-table", [
        el("caption", "ad-sr", "各材料的示例文本"),
        el("thead", null, [el("tr", null, heads.map(function (h) { return el("th", { scope: "col" }, h); }))]),
        el("tbody", null, rows),
      ]) : el("p", "ad-empty", "该事项没有申请材料"),
      error,
    );
    box.hidden = false;
  }

  return {
    show: function (edited) {
      item = edited;
      if (!item) { box.hidden = true; box.replaceChildren(); return Promise.resolve(); }
      return refresh();
    },
  };
}
