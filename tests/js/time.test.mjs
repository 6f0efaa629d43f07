// Unit tests of the screens' one remaining-time wording and hall-time formats (queue_server/static/js/time.js).
import test from "node:test";
import assert from "node:assert";
import { dateText, hallDate, hallDateTime, hallTime, minutesText, remainingText } from "../../queue_server/static/js/time.js";

test("one wording of a case's remaining working days", () => {
  assert.strictEqual(remainingText(3), "剩余 3 个工作日");
  assert.strictEqual(remainingText(0), "今日到期");
  assert.strictEqual(remainingText(-2), "超期 2 个工作日");
  assert.strictEqual(remainingText(null), "");
  assert.strictEqual(remainingText(undefined), "");
});

test("times are read in the hall's zone, not the computer's", () => {
  const iso = "2026-12-31T17:05:00+00:00";   // 2027-01-01 01:05 in Shanghai
  assert.strictEqual(hallDate(iso, "Asia/Shanghai"), "2027-01-01");
  assert.strictEqual(hallDateTime(iso, "Asia/Shanghai"), "2027-01-01 01:05");
  assert.strictEqual(hallTime(iso, "Asia/Shanghai"), "01:05");
  assert.strictEqual(hallDate(null, "Asia/Shanghai"), "—");
  assert.strictEqual(dateText("2026-12-14"), "2026年12月14日");
  assert.strictEqual(minutesText(30), "不足 1 分钟");
  assert.strictEqual(minutesText(600), "10 分钟");
});
