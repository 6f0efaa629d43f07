/*
 * The window clerk's screen (窗口工作台).
 *
 * Everything the clerk does goes through the JSON API with the page's bearer token; after each
 * action the desk (GET /windows/{id}/desk) is read again, so the screen always shows what the
 * server holds. The hall's calls and waiting counts arrive live through the shared live.js.
 * The case panels (受理 in intake.js, 取件 in pickup.js) open from here and use WubanDesk.api.
 */
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("desk-config").textContent);
  const $ = function (id) { return document.getElementById(id); };
  const RECENT_CALLS = 10;

  const STATE_NAMES = {
    waiting: "等候中", called: "已叫号", serving: "办理中", done: "已办结",
    no_show: "未到", cancelled: "已取消", expired: "已过期",
  };
  const WINDOW_STATUS = { open: "开放中", paused: "已暂停", closed: "已关闭" };

  // Keyboard shortcuts: key → action (also printed on the buttons).
  const KEYS = {
    F1: "call", F2: "recall", F3: "start", F4: "finish", F6: "no_show", F7: "transfer", F8: "pause", F9: "close",
    F10: "intake", F11: "pickup",
  };

  const desk = { data: null, busy: false, calls: [], loadedOnce: false };

  // ---------- API ----------

  const api = window.WubanStaffApi.client(cfg.token);

  // ---------- banner ----------

  let bannerTimer = null;
  function banner(message, kind) {
    const box = $("w-banner");
    $("w-banner-text").textContent = message;
    box.className = "w-banner w-banner-" + (kind || "error");
    box.hidden = false;
    clearTimeout(bannerTimer);
    bannerTimer = setTimeout(hideBanner, kind === "info" ? 5000 : 12000);
  }
  function hideBanner() { $("w-banner").hidden = true; }

  function showError(error) {
    if (error.status === 401) {
      const box = $("w-banner-text");
      banner("", "error");
      box.textContent = "登录已过期，请";
      const link = document.createElement("a");
      link.href = cfg.login_url;
      link.textContent = "重新登录";
      box.append(link);
      return;
    }
    const codes = { 409: "（409）", 403: "（403）", 404: "（404）", 400: "（400）", 429: "（429）" };
    banner(error.message + (codes[error.status] || ""), "error");
  }

  // ---------- formatting ----------

  const timeFormat = new Intl.DateTimeFormat("zh-CN", { timeZone: cfg.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  function hhmm(iso) {
    return iso ? timeFormat.format(new Date(iso)) : "—";   // in the hall's time zone
  }
  function minutes(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    if (seconds < 60) return "不足 1 分钟";
    return Math.round(seconds / 60) + " 分钟";
  }
  function clockText(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    const m = Math.floor(seconds / 60), s = seconds % 60;
    return String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
  }

  // ---------- rendering ----------

  function allowed(data) {
    const status = data.window.status;
    const state = data.current ? data.current.state : null;
    return {
      call: status === "open" && !data.current,
      recall: state === "called",
      start: state === "called",
      finish: state === "serving",
      no_show: state === "called",
      transfer: state === "serving" && data.transfer_queues.length > 1,
      pause: status === "open" || status === "paused",
      close: true,
      open: status === "closed",
      intake: state === "serving",   // the case is linked to the ticket being served
      pickup: true,
    };
  }

  function render() {
    const data = desk.data;
    if (!data) return;
    const status = data.window.status;
    $("desk").dataset.status = status;
    $("w-status-text").textContent = WINDOW_STATUS[status] || status;
    $("w-status").className = "w-status is-" + status;

    // current ticket
    const cur = data.current;
    const box = $("w-current");
    box.dataset.state = cur ? cur.state : "none";
    $("c-number").textContent = cur ? cur.number : (status === "paused" ? "暂停叫号" : "等待叫号");
    $("c-queue").textContent = cur ? (cur.queue_name || cur.queue)
      : (status === "open" ? "暂无号票，请按“叫号”" : status === "paused" ? "" : "窗口未开放");
    $("c-state").textContent = cur ? (STATE_NAMES[cur.state] || cur.state) : "空闲";
    $("c-priority").hidden = !(cur && cur.priority === "priority");
    $("c-priority").textContent = cur && cur.priority === "priority" ? "绿色通道 · " + (cur.priority_reason || "优先") : "";
    $("c-issued").textContent = cur ? hhmm(cur.issued_at) : "—";
    $("c-called").textContent = cur ? hhmm(cur.called_at) : "—";
    $("c-waited").textContent = cur && cur.called_at
      ? minutes((new Date(cur.called_at) - new Date(cur.issued_at)) / 1000) : "—";
    $("c-recalls").textContent = cur ? cur.recalls + " 次" : "—";
    tickElapsed();
    $("w-paused-note").hidden = status !== "paused";
    $("w-closed").hidden = status !== "closed";

    // buttons
    const can = allowed(data);
    document.querySelectorAll("#w-actions [data-action]").forEach(function (button) {
      button.disabled = desk.busy || !can[button.dataset.action];
    });
    $("btn-open-big").disabled = desk.busy || !can.open;
    const pauseLabel = $("btn-pause").querySelector(".w-btn-label");
    pauseLabel.textContent = status === "paused" ? "恢复" : "暂停";
    $("btn-pause").classList.toggle("w-btn-resume", status === "paused");
    $("btn-close").querySelector(".w-btn-label").textContent = status === "closed" ? "开窗" : "关窗";

    // the window's queues
    const list = $("w-queues");
    if (list.dataset.codes !== data.queues.map(function (q) { return q.code; }).join()) {
      list.textContent = "";
      data.queues.forEach(function (q) {
        const li = document.createElement("li");
        li.dataset.queue = q.code;
        const name = document.createElement("span");
        name.className = "w-queue-name";
        name.textContent = q.name;
        const count = document.createElement("span");
        count.className = "w-queue-count";
        count.innerHTML = "<b></b> 人";
        li.append(name, count);
        list.append(li);
      });
      list.dataset.codes = data.queues.map(function (q) { return q.code; }).join();
    }
    data.queues.forEach(function (q) { setWaiting(q.code, q.waiting); });

    // today's figures
    $("t-served").textContent = data.today.served;
    $("t-no-show").textContent = data.today.no_show;
    $("t-wait").textContent = minutes(data.today.avg_wait_s);
    $("t-service").textContent = minutes(data.today.avg_service_s);
  }

  function setWaiting(code, waiting) {
    const li = document.querySelector('#w-queues li[data-queue="' + code + '"]');
    if (li) li.querySelector("b").textContent = waiting;
    if (desk.data) desk.data.queues.forEach(function (q) { if (q.code === code) q.waiting = waiting; });
  }

  function tickElapsed() {
    const cur = desk.data && desk.data.current;
    $("c-elapsed").textContent = cur && cur.called_at ? clockText((Date.now() - new Date(cur.called_at)) / 1000) : "—";
  }

  function renderCalls() {
    const list = $("w-calls");
    list.textContent = "";
    desk.calls.forEach(function (call) {
      const li = document.createElement("li");
      if (call.window_number === cfg.window_number) li.className = "is-mine";
      const number = document.createElement("span");
      number.className = "w-call-number";
      number.textContent = call.number;
      const where = document.createElement("span");
      where.className = "w-call-window";
      where.textContent = call.window_number + "号窗口" + (call.recalls ? " · 重呼" : "");
      const time = document.createElement("span");
      time.className = "w-call-time";
      time.textContent = hhmm(call.at || call.called_at);
      li.append(number, where, time);
      list.append(li);
    });
    $("w-calls-empty").hidden = desk.calls.length > 0;
  }

  // ---------- loading and actions ----------

  async function loadDesk() {
    try {
      desk.data = await api("GET", "/windows/" + cfg.window_id + "/desk");
      render();
    } catch (error) {
      showError(error);
    }
  }

  function setBusy(busy) {
    desk.busy = busy;
    $("desk").classList.toggle("is-busy", busy);
    render();
  }

  async function act(action) {
    if (desk.busy || !desk.data) return;
    const data = desk.data;
    const cur = data.current;
    if (action === "transfer") { openTransfer(); return; }
    if (action === "intake") { if (cur && window.WubanIntake) window.WubanIntake.open(cur); return; }
    if (action === "pickup") { if (window.WubanPickup) window.WubanPickup.open(); return; }
    let request;
    if (action === "call") request = ["POST", "/windows/" + cfg.window_id + "/call-next"];
    else if (action === "pause") request = ["POST", "/windows/" + cfg.window_id + "/status", { status: data.window.status === "paused" ? "open" : "paused" }];
    else if (action === "close") request = ["POST", "/windows/" + cfg.window_id + "/status", { status: data.window.status === "closed" ? "open" : "closed" }];
    else if (action === "open") request = ["POST", "/windows/" + cfg.window_id + "/status", { status: "open" }];
    else if (cur) request = ["POST", "/tickets/" + cur.id + "/" + action];
    else return;
    await run(request, action);
  }

  async function run(request, action) {
    setBusy(true);
    try {
      const answer = await api(request[0], request[1], request[2]);
      if (action === "call" && answer === null) banner("当前没有等候的号票", "info");
      else hideBanner();
    } catch (error) {
      showError(error);
    }
    await loadDesk();
    setBusy(false);
  }

  // ---------- transfer dialog ----------

  function openTransfer() {
    const data = desk.data;
    const cur = data.current;
    if (!cur) return;
    const dialog = $("transfer-dialog");
    $("transfer-title").textContent = "转队列：" + cur.number + "（当前：" + (cur.queue_name || cur.queue) + "）";
    const list = $("transfer-list");
    list.textContent = "";
    data.transfer_queues.filter(function (q) { return q.code !== cur.queue; }).forEach(function (q, index) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "w-transfer";
      button.dataset.queue = q.code;
      const key = document.createElement("kbd");
      key.textContent = String(index + 1);
      const name = document.createElement("span");
      name.textContent = q.name;
      button.append(key, name);
      button.addEventListener("click", function () {
        dialog.close();
        run(["POST", "/tickets/" + cur.id + "/transfer", { queue: q.code }], "transfer");
      });
      list.append(button);
    });
    dialog.showModal();
  }

  // ---------- keyboard ----------

  function onKey(event) {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    const dialog = $("transfer-dialog");
    if (dialog.open) {
      const index = parseInt(event.key, 10);
      if (index >= 1 && index <= 9) {
        const options = dialog.querySelectorAll(".w-transfer");
        if (options[index - 1]) { event.preventDefault(); options[index - 1].click(); }
      }
      return;
    }
    if (document.querySelector("dialog.c-dialog[open]")) {
      // A case panel has the keyboard: the desk's keys wait (F1 help, F3 find … stay quiet too).
      if (/^F([1-9]|1[01])$/.test(event.key) && event.key !== "F5") event.preventDefault();
      return;
    }
    const target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    let action = KEYS[event.key];
    if (!action && (event.key === " " || event.code === "Space")) {
      // Space calls the next ticket unless a control has the keyboard focus (then Space is that control's).
      if (target && target !== document.body && target.tagName === "BUTTON") return;
      action = "call";
    }
    if (!action) return;
    event.preventDefault();  // F1 help, F3 find, F6/F7 … stay with the screen
    if (event.repeat) return;
    if (action === "close" && desk.data && desk.data.window.status === "closed") action = "open";
    const button = action === "open" ? $("btn-open-big") : document.querySelector('#w-actions [data-action="' + action + '"]');
    if (button && !button.disabled) button.click();
  }

  // ---------- live ----------

  function onSnapshot(snapshot) {
    desk.calls = (snapshot.calls || []).slice(0, RECENT_CALLS);
    renderCalls();
    (snapshot.queues || []).forEach(function (q) { setWaiting(q.code, q.waiting); });
    if (desk.loadedOnce) loadDesk();   // after a reconnect: catch up on what we missed
    desk.loadedOnce = true;
  }

  function onCall(event) {
    desk.calls = [event].concat(desk.calls.filter(function (call) { return call.number !== event.number; })).slice(0, RECENT_CALLS);
    event.at = new Date().toISOString();
    renderCalls();
    if (event.window_number === cfg.window_number && !desk.busy) loadDesk();  // another screen at this window
  }

  function onStatus(online) {
    const conn = $("w-conn");
    conn.textContent = online ? "● 实时连接" : "● 连接中断，正在重连…";
    conn.className = "w-conn " + (online ? "is-online" : "is-offline");
  }

  // ---------- start ----------

  // What the case panels need from the desk.
  window.WubanDesk = {
    cfg: cfg,
    api: api,
    current: function () { return desk.data && desk.data.current; },
  };

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-action]");
    if (!button || button.disabled) return;
    if (event.detail > 0) button.blur();   // a mouse click leaves no focus behind, so Space stays "call"
    act(button.dataset.action);
  });
  $("w-banner-close").addEventListener("click", hideBanner);
  document.addEventListener("keydown", onKey);
  setInterval(tickElapsed, 1000);
  setInterval(function () { if (!desk.busy) loadDesk(); }, 60000);

  loadDesk();
  if (window.WubanLive && window.io) {
    window.WubanLive.connect({
      subscribe: { window: cfg.window_id },
      token: cfg.token,
      onSnapshot: onSnapshot,
      onCall: onCall,
      onQueue: function (event) { setWaiting(event.queue, event.waiting); },
      onTicket: function (notice) {
        if (notice.window_number === cfg.window_number && !desk.busy) loadDesk();  // another screen at this window
      },
      onWindow: function (notice) {
        if (notice.window.id === cfg.window_id && !desk.busy) loadDesk();
      },
      onStatus: onStatus,
      onError: function (body) { showError({ message: "实时订阅失败：" + body.error.message }); },
    });
  }
})();
