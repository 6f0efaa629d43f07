/*
 * care.js — 关怀模式 (适老化) of the citizen screens: larger type, stronger contrast, spoken prompts.
 *
 *   import { setupCare, say, resetCare } from "/static/js/care.js";
 *   setupCare(document.getElementById("care-toggle"), { remember: true });   // the portal: kept on this device
 *   setupCare(button, { remember: false });   // a shared kiosk: resetCare() when it goes back to its start
 *   say("您的号码是A001");                     // spoken (zh-CN) only while the mode is on
 *
 * The mode is <html data-care="on">; base.css (and a screen's own stylesheet) give it its look. The
 * button is a toggle (aria-pressed) labelled 关怀模式.
 */
const KEY = "wuban-care";
let remember = false;
const buttons = [];

function stored() {
  try { return window.localStorage.getItem(KEY) === "on"; } catch (e) { return false; }
}

function store(on) {
  try {
    if (on) window.localStorage.setItem(KEY, "on"); else window.localStorage.removeItem(KEY);
  } catch (e) { /* private mode: the mode lasts for this page only */ }
}

/** Tell whether 关怀模式 is on. */
export function careOn() { return document.documentElement.dataset.care === "on"; }

/** Speak a prompt in Mandarin while 关怀模式 is on (the one before it is cut short); false when not spoken. */
export function say(text) {
  const synth = window.speechSynthesis;
  if (!careOn() || !synth || typeof window.SpeechSynthesisUtterance !== "function") return false;
  try {
    synth.cancel();
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = "zh-CN";
    utterance.rate = 0.85;
    synth.speak(utterance);
    return true;
  } catch (e) {
    return false;
  }
}

/** Switch the mode on or off (and remember it where the screen asked to). */
export function setCare(on) {
  if (on) document.documentElement.dataset.care = "on"; else delete document.documentElement.dataset.care;
  buttons.forEach(function (button) { button.setAttribute("aria-pressed", String(on)); });
  if (remember) store(on);
}

/** Back to the ordinary mode: a shared kiosk does this when the next citizen starts. */
export function resetCare() { if (careOn()) setCare(false); }

/** Wire a 关怀模式 toggle button; options.remember keeps the choice on this device (localStorage). */
export function setupCare(button, options) {
  remember = Boolean(options && options.remember);
  if (!button) return;
  buttons.push(button);
  button.setAttribute("aria-pressed", String(careOn()));
  button.addEventListener("click", function () {
    setCare(!careOn());
    if (careOn()) say("已开启关怀模式，字体已放大。");
  });
  if (remember && stored()) setCare(true);
}
