/*
 * calendar.js — the 工作日历 tab (administrators): a year's days set by hand (调休上班, added holidays),
 * listed month by month, set, changed and removed; whether the year's schedule is confirmed and by what;
 * the import of a whole year's schedule (JSON, docs/calendar.md), refused whole with its bad days listed.
 */
import { $, el } from "/static/js/dom.js";
import { hallToday } from "/static/js/time.js";
import { createForm, importForm, rowButton, setOptions } from "./common.js";

const WEEKDAYS = ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"];
const KINDS = [["false", "休息（节假日）"], ["true", "上班（调休上班）"]];

function weekday(iso) {
  return WEEKDAYS[new Date(iso + "T00:00:00Z").getUTCDay()];
}

/** Set up the tab; ctx: {api, cfg, banner}. */
export function setupCalendar(ctx) {
  const form = $("calendar-form");
  const select = $("calendar-year");
  const fields = createForm(form, $("calendar-fields"), [
    { name: "day", label: "日期", type: "date" },
    { name: "working", label: "这一天", type: "select", options: KINDS },
    { name: "name", label: "名称", hint: "如：春节、春节调休上班（可不填）" },
  ]);
  const thisYear = Number(hallToday(ctx.cfg.tz).slice(0, 4));
  setOptions(select, [-1, 0, 1, 2].map(function (step) {
    const year = String(thisYear + step);
    return [year, year + " 年"];
  }));
  select.value = String(thisYear);

  function startNew() {
    fields.fill({ day: "", working: "false", name: "" });
    fields.field("day").disabled = false;
    fields.clear();
    $("calendar-form-title").textContent = "设置某一天（调休上班或放假）";
  }

  function edit(day) {
    fields.fill({ day: day.date, working: String(day.working), name: day.name || "" });
    fields.field("day").disabled = true;
    fields.clear();
    $("calendar-form-title").textContent = "修改 " + day.date + "（" + weekday(day.date) + "）";
    fields.field("working").focus();
  }

  async function remove(day) {
    try {
      await ctx.api("DELETE", "/admin/calendar/days/" + day.date);
      ctx.banner.info("已删除 " + day.date + " 的调整，该日恢复按日历库安排");
      startNew();
      await refresh();
    } catch (error) {
      ctx.banner.error(error);
    }
  }

  function showYear(year) {
    const state = $("calendar-state");
    state.className = "ad-year-state" + (year.confirmed ? " ad-confirmed" : "");
    state.textContent = year.year + " 年：" + (year.confirmed
      ? "已确认（依据：" + (year.source || "—") + "）"
      : "未确认（尚未导入国务院公布的全年安排，期限按规则推算）");
    const box = $("calendar-days");
    const title = el("h2", null, year.year + " 年的调整日期（共 " + year.days.length + " 天）");
    if (!year.days.length) {
      box.replaceChildren(title, el("p", "ad-empty", "本年没有手工调整的日期，全部按日历库安排"));
      return;
    }
    const months = {};
    year.days.forEach(function (day) {
      const month = Number(day.date.slice(5, 7));
      (months[month] = months[month] || []).push(day);
    });
    const parts = [title];
    Object.keys(months).map(Number).sort(function (a, b) { return a - b; }).forEach(function (month) {
      parts.push(el("h3", "ad-month", month + " 月"));
      parts.push(el("table", { className: "ad-table", dataset: { month: String(month) } }, [
        el("thead", null, [el("tr", null, ["日期", "星期", "安排", "名称", "操作"].map(function (h) {
          return el("th", { scope: "col" }, h);
        }))]),
        el("tbody", null, months[month].map(function (day) {
          return el("tr", { dataset: { day: day.date } }, [
            el("td", null, day.date), el("td", null, weekday(day.date)),
            el("td", null, day.working ? "上班" : "休息"), el("td", null, day.name || "—"),
            el("td", null, [
              rowButton("修改", function () { edit(day); }, "修改 " + day.date),
              rowButton("删除", function () { remove(day); }, "删除 " + day.date),
            ]),
          ]);
        })),
      ]));
    });
    box.replaceChildren.apply(box, parts);
  }

  /** Show a year in the selector (adding it when it is not offered). */
  function chooseYear(year) {
    if (!Array.from(select.options).some(function (o) { return o.value === year; })) {
      select.append(el("option", { value: year }, year + " 年"));
    }
    select.value = year;
  }

  async function refresh() {
    showYear(await ctx.api("GET", "/admin/calendar/" + select.value));
  }

  select.addEventListener("change", function () { refresh().catch(ctx.banner.error); });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const v = fields.values();
    if (!v.day) {
      fields.showErrors({ message: "请选择日期", details: { fields: { day: "请选择日期" } } });
      return;
    }
    try {
      const day = await ctx.api("PUT", "/admin/calendar/days/" + encodeURIComponent(v.day),
        { working: v.working === "true", name: v.name || null });
      ctx.banner.info("已保存：" + day.date + " " + (day.working ? "上班" : "休息")
        + (day.name ? "（" + day.name + "）" : "") + "，立即生效");
      startNew();
      chooseYear(day.date.slice(0, 4));
      await refresh();
    } catch (error) {
      fields.showErrors(error);
    }
  });
  $("calendar-new").addEventListener("click", startNew);

  importForm(ctx.api, "calendar", {
    url: "/admin/calendar/import",
    missing: "请选择要导入的 JSON 文件",
    done: async function (result) {
      ctx.banner.info("导入完成：" + result.days + " 天；已确认年份：" + (result.years.join("、") || "无"));
      if (result.years.length) chooseYear(String(result.years[0]));
      await refresh();
    },
    message: function (error) {
      const fieldsText = Object.keys((error.details && error.details.fields) || {}).map(function (key) {
        return key === "file" ? error.details.fields[key] : key + "：" + error.details.fields[key];
      }).join("；");
      return (error.message || "导入失败") + (fieldsText ? "：" + fieldsText : "");
    },
    problems: function (error) {
      return ((error.details && error.details.days) || []).map(function (bad) {
        return "第 " + bad.index + " 项" + (bad.date ? "（" + bad.date + "）" : "") + "：" + bad.why;
      });
    },
  });

  startNew();
  return { refresh: refresh };
}
