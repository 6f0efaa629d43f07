/*
 * speech.js — the board's voice: speechSynthesis (zh-CN), a two-tone chime (Web Audio), and the
 * consent to sound that browsers want from a user gesture.
 *
 *   const voice = createVoice({ board, hall, timing, isBusy });
 *   await voice.chime();  const result = await voice.speak(text);   // {ok, result, ms}
 *
 * The consent is given once with 点击启用语音播报 and remembered in localStorage (per hall). After a
 * reload the board resumes the voice by itself; when the browser still blocks sound without a
 * gesture (its autoplay policy), a clear banner asks for one click anywhere.
 */
import { $ } from "/static/js/dom.js";

const PROBE_MS = 400;   // how long the audio context gets to start before the board asks for a click

function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

export function createVoice(options) {
  const board = options.board;
  const timing = options.timing;
  const consentKey = "wuban-board-voice:" + options.hall;
  const synth = window.speechSynthesis;
  let voice = null;
  let audio = null;
  let utterance = null;  // held so that the browser does not collect it before onend

  function pickVoice() {
    if (!synth) return;
    const voices = synth.getVoices() || [];
    const lang = function (v) { return (v.lang || "").replace("_", "-").toLowerCase(); };
    voice = voices.find(function (v) { return lang(v) === "zh-cn"; })
      || voices.find(function (v) { return lang(v).startsWith("zh") && !/hk|tw/.test(lang(v)); })
      || voices.find(function (v) { return lang(v).startsWith("zh") || lang(v).startsWith("cmn"); })
      || null;
    board.voice = voice ? voice.name + " (" + voice.lang + ")" : null;
  }
  if (synth) {
    pickVoice();
    if (typeof synth.addEventListener === "function") synth.addEventListener("voiceschanged", pickVoice);
  }

  function consented() {
    try { return window.localStorage.getItem(consentKey) === "on"; } catch (e) { return false; }
  }
  function rememberConsent() {
    try { window.localStorage.setItem(consentKey, "on"); } catch (e) { /* private mode: ask again next time */ }
  }

  /* The browser blocks sound until a gesture: ask for one click, loudly (only once consent was given). */
  function blocked() {
    board.voiceEnabled = false;
    board.voiceBlocked = true;
    $("voice-enable").hidden = true;
    $("voice-resume").hidden = false;
  }

  function speak(text) {
    return new Promise(function (resolve) {
      const started = Date.now();
      if (!synth || typeof window.SpeechSynthesisUtterance !== "function") {
        resolve({ ok: false, result: "unsupported", ms: 0 });
        return;
      }
      let done = false;
      const finish = function (ok, result) {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (!ok && result === "timeout") synth.cancel();
        if (result === "error:not-allowed" && consented()) blocked();
        utterance = null;
        resolve({ ok: ok, result: result, ms: Date.now() - started });
      };
      // onend may never fire (a stuck engine): give up after a generous estimate of the reading.
      const limit = timing.speakTimeoutMs + text.length * timing.speakTimeoutPerCharMs;
      const timer = setTimeout(function () { finish(false, "timeout"); }, limit);
      try {
        const u = new SpeechSynthesisUtterance(text);
        u.lang = "zh-CN";
        if (voice) u.voice = voice;
        u.rate = 0.9;
        u.volume = 1;
        u.onend = function () { finish(true, "end"); };
        u.onerror = function (e) { finish(false, "error:" + (e && e.error || "unknown")); };
        utterance = u;
        if (synth.paused) synth.resume();
        synth.speak(u);
      } catch (error) {
        finish(false, "exception:" + error);
      }
    });
  }

  function audioContext() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    if (!audio) {
      try { audio = new Ctx(); } catch (e) { return null; }
    }
    if (audio.state === "suspended") audio.resume().catch(function () {});
    return audio;
  }

  function chime() {
    const ctx = audioContext();
    if (ctx) {
      try {
        const t0 = ctx.currentTime + 0.02;
        [[784, 0], [587, 0.38]].forEach(function (tone) {  // G5 then D5: 叮—咚
          const osc = ctx.createOscillator();
          const gain = ctx.createGain();
          osc.type = "sine";
          osc.frequency.value = tone[0];
          gain.gain.setValueAtTime(0.0001, t0 + tone[1]);
          gain.gain.exponentialRampToValueAtTime(0.5, t0 + tone[1] + 0.02);
          gain.gain.exponentialRampToValueAtTime(0.0001, t0 + tone[1] + 0.5);
          osc.connect(gain).connect(ctx.destination);
          osc.start(t0 + tone[1]);
          osc.stop(t0 + tone[1] + 0.55);
        });
      } catch (e) { /* no sound: the flash still shows */ }
    }
    return sleep(timing.chimeMs);  // wall time, not audio time: a suspended context must not stall the queue
  }

  /* A user gesture: sound is allowed from now on, and the consent is remembered for later reloads. */
  function enable() {
    rememberConsent();
    $("voice-resume").hidden = true;
    board.voiceBlocked = false;
    if (board.voiceEnabled) return;
    board.voiceEnabled = true;
    $("voice-enable").hidden = true;
    audioContext();
    if (synth && !options.isBusy()) {
      // A silent utterance inside the gesture unlocks speech on browsers that ask for one.
      try {
        const u = new SpeechSynthesisUtterance(" ");
        u.volume = 0;
        u.lang = "zh-CN";
        synth.speak(u);
      } catch (e) { /* nothing to unlock */ }
    }
  }

  /* After a reload with consent given: resume without a click when the browser lets sound play. */
  async function resume() {
    board.voiceConsent = true;
    $("voice-enable").hidden = true;
    const ctx = audioContext();
    if (ctx && ctx.state !== "running") await sleep(PROBE_MS);
    if (board.voiceEnabled) return;  // a gesture came meanwhile
    if (ctx && ctx.state !== "running") { blocked(); return; }
    board.voiceEnabled = true;
    board.voiceResumed = true;
  }

  $("voice-enable").addEventListener("click", enable);
  $("voice-resume").addEventListener("click", enable);
  document.addEventListener("keydown", enable);
  document.addEventListener("pointerdown", enable);
  board.voiceConsent = consented();
  if (board.voiceConsent) resume();

  return { speak: speak, chime: chime };
}
