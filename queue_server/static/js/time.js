/*
 * time.js — times in the hall's time zone, and the one wording of a case's remaining time (an ES module).
 */

/** Say how many working days a case has left: 剩余 3 个工作日, 今日到期, 超期 2 个工作日 ("" without a clock). */
export function remainingText(days) {
  if (days === null || days === undefined) return "";
  if (days > 0) return "剩余 " + days + " 个工作日";
  if (days === 0) return "今日到期";
  return "超期 " + -days + " 个工作日";
}

/** Name a time limit in working days: 即办 for 0 (马上办), otherwise 3 个工作日. */
export function workdaysText(days) {
  return Number(days) === 0 ? "即办" : days + " 个工作日";
}

/** Name an item's promised time limit: 即办 for 0, otherwise 承诺 3 个工作日 (never 承诺 0 个工作日). */
export function promisedText(days) {
  return Number(days) === 0 ? "即办" : "承诺 " + workdaysText(days);
}

/** Split a time into its hall-time parts {year, month, day, hour, minute, second} (two digits each but the year). */
export function hallParts(iso, tz) {
  const parts = {};
  new Intl.DateTimeFormat("en-GB", {
    timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(iso)).forEach(function (part) { parts[part.type] = part.value; });
  return parts;
}

/** The hall date of a time, YYYY-MM-DD (— without one). */
export function hallDate(iso, tz) {
  if (!iso) return "—";
  const p = hallParts(iso, tz);
  return p.year + "-" + p.month + "-" + p.day;
}

/** The hall date and time of a time, YYYY-MM-DD HH:MM (— without one). */
export function hallDateTime(iso, tz) {
  if (!iso) return "—";
  const p = hallParts(iso, tz);
  return p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute;
}

/** The hall time of a time, HH:MM (— without one). */
export function hallTime(iso, tz) {
  if (!iso) return "—";
  const p = hallParts(iso, tz);
  return p.hour + ":" + p.minute;
}

/** Today's hall date moved by `days`, YYYY-MM-DD. */
export function hallToday(tz, days) {
  const date = new Date(hallDate(new Date().toISOString(), tz) + "T00:00:00Z");
  date.setUTCDate(date.getUTCDate() + (days || 0));
  return date.toISOString().slice(0, 10);
}

/** A date for citizens: 2026-12-14 → 2026年12月14日, without going through a time zone. */
export function dateText(isoDate) {
  const parts = (isoDate || "").split("-").map(Number);
  return parts.length === 3 ? parts[0] + "年" + parts[1] + "月" + parts[2] + "日" : isoDate || "";
}

/** A time for citizens: 2026年12月14日 09:30 in the hall's zone. */
export function dateTimeText(iso, tz) {
  if (!iso || isNaN(new Date(iso))) return iso || "";
  const p = hallParts(iso, tz);
  return Number(p.year) + "年" + Number(p.month) + "月" + Number(p.day) + "日 " + p.hour + ":" + p.minute;
}

/** A duration in whole minutes for staff: 不足 1 分钟, 12 分钟 (— without one). */
export function minutesText(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return "不足 1 分钟";
  return Math.round(seconds / 60) + " 分钟";
}
