/*
 * The self-service kiosk (自助取号机): take a number by queue or by item, normal or green channel,
 * then show the ticket (number, people ahead, wait, QR of its status page) and print it.
 * 预约签到 checks a booking in; 服务评价 rates a finished ticket (typed by its number) or a delivered case.
 * Waiting counts stay live through the shared realtime client (live.js).
 */
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("kiosk-config").textContent);
  const $ = function (id) { return document.getElementById(id); };
  const IDLE_RESET_MS = 60000;       // back to the start screen after a minute without a touch
  const SERVICES_MAX_AGE_MS = 600000;

  const state = {
    queues: [],                 // [{code, name, prefix, waiting, est_wait_s}] in the hall's order
    queueByCode: {},
    waiting: {},                // code → waiting count (live)
    services: [],
    servicesLoadedAt: 0,
    view: "queues",
    chip: "",
    priorityReason: null,
    busy: false,
    lastTouch: Date.now(),
    ticketTimer: null,
    ticketDeadline: 0,
  };

  // ---------- helpers ----------

  function urlFor(template, id) {
    return template.replace(/\/0(?=\/|$)/, "/" + id);
  }

  async function api(url, options) {
    const init = Object.assign({ method: "GET" }, options || {});
    init.headers = { Accept: "application/json" };
    if (init.body !== undefined) {
      init.body = JSON.stringify(init.body);
      init.headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (e) {
      throw { code: "network", message: "网络连接失败，请稍后再试或联系工作人员" };
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!response.ok) {
      throw (data && data.error) || { code: "http_" + response.status, message: "请求失败（" + response.status + "），请联系工作人员" };
    }
    return data;
  }

  function waitText(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 60) return "无需等候";
    return "预计约 " + Math.round(seconds / 60) + " 分钟";
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  let toastTimer = null;
  function toast(message, kind) {
    const box = $("toast");
    box.textContent = message;
    box.className = "k-toast" + (kind ? " k-toast-" + kind : "");
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  // ---------- clock ----------

  // The hall's own time (TZ_NAME), whatever the kiosk computer's zone.
  const timeFormat = new Intl.DateTimeFormat("zh-CN", { timeZone: cfg.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const dateFormat = new Intl.DateTimeFormat("zh-CN", { timeZone: cfg.tz, month: "long", day: "numeric", weekday: "long" });
  function tick() {
    const now = new Date();
    $("clock-time").textContent = timeFormat.format(now);
    $("clock-date").textContent = dateFormat.format(now);
  }

  // ---------- queues ----------

  function renderQueues() {
    const list = $("queue-list");
    list.textContent = "";
    state.queues.forEach(function (queue) {
      const li = el("li");
      const button = el("button", "k-queue");
      button.type = "button";
      button.dataset.queue = queue.code;
      button.append(el("span", "k-prefix", queue.prefix));
      const body = el("span", "k-queue-body");
      body.append(el("span", "k-queue-name", queue.name));
      const meta = el("span", "k-queue-meta");
      const waiting = el("span", "k-queue-waiting");
      waiting.append("等候 ", el("b", "", "0"), " 人");
      meta.append(waiting, el("span", "k-queue-est", ""));
      body.append(meta);
      button.append(body);
      button.addEventListener("click", function () { take(queue.code, null, queue.name); });
      li.append(button);
      list.append(li);
    });
    $("queue-loading").hidden = state.queues.length > 0;
    const chips = $("queue-chips");
    chips.textContent = "";
    [{ code: "", name: "全部" }].concat(state.queues).forEach(function (queue) {
      const chip = el("button", "k-chip", queue.name);
      chip.type = "button";
      chip.dataset.queue = queue.code;
      chip.setAttribute("aria-pressed", String(queue.code === state.chip));
      chip.addEventListener("click", function () { state.chip = queue.code; filterItems(); });
      chips.append(chip);
    });
    updateCounts();
  }

  function updateCounts() {
    document.querySelectorAll(".k-queue").forEach(function (button) {
      const queue = state.queueByCode[button.dataset.queue];
      const waiting = state.waiting[button.dataset.queue] ?? (queue ? queue.waiting : 0);
      button.querySelector(".k-queue-waiting b").textContent = waiting;
      button.querySelector(".k-queue-est").textContent = queue ? waitText(queue.est_wait_s) : "";
    });
    document.querySelectorAll(".k-item").forEach(function (button) {
      const waiting = state.waiting[button.dataset.queue];
      button.querySelector(".k-item-waiting").textContent = waiting === undefined ? "" : "等候 " + waiting + " 人";
    });
  }

  async function loadQueues() {
    try {
      const queues = await api(cfg.urls.queues);
      const fresh = queues.map(function (q) { return q.code; }).join() !== state.queues.map(function (q) { return q.code; }).join();
      state.queues = queues;
      state.queueByCode = {};
      queues.forEach(function (q) {
        state.queueByCode[q.code] = q;
        state.waiting[q.code] = q.waiting;
      });
      if (fresh) { renderQueues(); renderItems(); } else { updateCounts(); }
    } catch (err) {
      $("queue-loading").textContent = "业务列表加载失败：" + err.message + "（稍后自动重试）";
      setTimeout(loadQueues, 5000);
    }
  }

  let refreshTimer = null;
  function scheduleQueueRefresh() {
    // The live event carries the count; the estimate comes with the next (throttled) list.
    if (refreshTimer) return;
    refreshTimer = setTimeout(function () { refreshTimer = null; loadQueues(); }, 2000);
  }

  // ---------- items ----------

  async function loadServices() {
    try {
      state.services = await api(cfg.urls.services);
      state.servicesLoadedAt = Date.now();
      renderItems();
    } catch (err) {
      setTimeout(loadServices, 10000);
    }
  }

  function renderItems() {
    const list = $("item-list");
    list.textContent = "";
    state.services.forEach(function (item) {
      const queue = state.queueByCode[item.queue];
      const li = el("li");
      const button = el("button", "k-item");
      button.type = "button";
      button.dataset.queue = item.queue;
      button.dataset.service = item.code;
      button.dataset.search = (item.name + " " + item.code + " " + (queue ? queue.name : "")).toLowerCase();
      button.append(el("span", "k-item-name", item.name));
      const meta = el("span", "k-item-meta");
      meta.append(el("span", "k-item-queue", queue ? queue.name : item.queue), el("span", "k-item-waiting", ""));
      button.append(meta);
      button.addEventListener("click", function () { take(item.queue, item.code, queue ? queue.name : item.queue, item.name); });
      li.append(button);
      list.append(li);
    });
    filterItems();
    updateCounts();
  }

  function filterItems() {
    const words = $("item-search").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    document.querySelectorAll("#item-list li").forEach(function (li) {
      const button = li.firstChild;
      const match = (!state.chip || button.dataset.queue === state.chip) &&
        words.every(function (word) { return button.dataset.search.includes(word); });
      li.hidden = !match;
      if (match) shown += 1;
    });
    $("item-empty").hidden = shown > 0 || state.services.length === 0;
    document.querySelectorAll(".k-chip").forEach(function (chip) {
      chip.setAttribute("aria-pressed", String(chip.dataset.queue === state.chip));
    });
  }

  // ---------- views ----------

  function showView(view) {
    state.view = view;
    ["queues", "items"].forEach(function (name) {
      $("view-" + name).hidden = name !== view;
      $("tab-" + name).setAttribute("aria-selected", String(name === view));
    });
    $("k-main").scrollTop = 0;
    if (view === "items" && Date.now() - state.servicesLoadedAt > SERVICES_MAX_AGE_MS) loadServices();
  }

  function setPriority(reason) {
    state.priorityReason = reason;
    $("priority-reason").textContent = reason || "";
    $("priority-banner").hidden = !reason;
    document.body.classList.toggle("is-priority", Boolean(reason));
  }

  function resetToStart() {
    stopTicketTimer();
    $("ticket-view").hidden = true;
    const dialog = $("priority-dialog");
    if (dialog.open) dialog.close();
    if ($("checkin-dialog").open) $("checkin-dialog").close();
    closeRate();
    setPriority(null);
    $("item-search").value = "";
    state.chip = "";
    filterItems();
    showView("queues");
    if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
  }

  // ---------- taking a ticket ----------

  async function take(queueCode, serviceCode, queueName, serviceName) {
    if (state.busy) return;
    state.busy = true;
    document.body.classList.add("is-busy");
    const body = { queue: queueCode };
    if (serviceCode) body.service = serviceCode;
    if (state.priorityReason) {
      body.priority = "priority";
      body.priority_reason = state.priorityReason;
    }
    try {
      const ticket = await api(cfg.urls.tickets, { method: "POST", body: body });
      showTicket(ticket, serviceName);
    } catch (err) {
      toast("取号失败：" + err.message, "error");
    } finally {
      state.busy = false;
      document.body.classList.remove("is-busy");
    }
  }

  // ---------- 预约签到: a booking code checks the booking in and gives its priority ticket ----------

  const CODE = /^[2-9A-HJ-NP-Z]{8}$/;

  function checkinError(message) {
    $("checkin-error").textContent = message || "";
    $("checkin-error").hidden = !message;
  }

  function openCheckin() {
    $("checkin-code").value = "";
    checkinError("");
    $("checkin-dialog").showModal();
  }

  function typeKey(key) {
    const input = $("checkin-code");
    if (key === "back") input.value = input.value.slice(0, -1);
    else if (key === "clear") input.value = "";
    else if (input.value.length < 8) input.value += key;
    checkinError("");
  }

  async function checkIn(event) {
    event.preventDefault();
    if (state.busy) return;
    const code = $("checkin-code").value.replace(/\s|-/g, "").toUpperCase();
    if (!CODE.test(code)) return checkinError("请输入 8 位预约码");
    state.busy = true;
    $("checkin-submit").disabled = true;
    try {
      const ticket = await api(cfg.urls.tickets, { method: "POST", body: { appointment_code: code } });
      $("checkin-dialog").close();
      showTicket(ticket, null);
    } catch (err) {
      const fields = err.details && err.details.fields;
      checkinError(fields && fields.appointment_code ? fields.appointment_code : "签到失败：" + err.message);
    } finally {
      state.busy = false;
      $("checkin-submit").disabled = false;
    }
  }

  // ---------- 服务评价: rate a finished ticket or a delivered case (POST /ratings, channel kiosk) ----------

  const TICKET_NUMBER = /^[A-Z0-9]{1,4}[0-9]{3,6}$/;
  const CASE_NO = /^[A-Z0-9]+-[0-9]{8}-[0-9]{4,6}$/;
  const CASE_DIGITS_MAX = 14;  // the date (8) and the day's sequence
  const TICKET_STATES = { waiting: "等候中", called: "已叫号", serving: "办理中", no_show: "已过号", cancelled: "已取消", expired: "已失效" };
  const rating = { mode: "ticket", subject: null, grade: null, thanksTimer: null };

  function rateError(id, message) {
    $(id).textContent = message || "";
    $(id).hidden = !message;
  }

  function rateStep(step) {
    ["find", "ask", "thanks"].forEach(function (name) { $("rate-" + name).hidden = name !== step; });
  }

  function setRateMode(mode) {
    rating.mode = mode;
    document.querySelectorAll(".k-rate-modes button").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.mode === mode));
    });
    document.querySelectorAll("#rate-keys .k-key-prefix").forEach(function (key) { key.hidden = mode === "case"; });
    $("rate-number").value = mode === "case" ? cfg.rating.case_prefix : "";
    $("rate-number").placeholder = mode === "case" ? cfg.rating.case_prefix + "20261130-0001" : "A012";
    rateError("rate-error", "");
  }

  function openRate() {
    setRateMode("ticket");
    rateStep("find");
    $("rate-dialog").showModal();
  }

  function closeRate() {
    if ($("rate-dialog").open) $("rate-dialog").close();
  }

  function forgetRating() {
    // Kiosks are shared: nothing of the last citizen's rating stays once the dialog closes.
    clearTimeout(rating.thanksTimer);
    rating.thanksTimer = null;
    rating.subject = null;
    rating.grade = null;
    $("rate-number").value = "";
  }

  function typeRateKey(key) {
    const input = $("rate-number");
    if (rating.mode === "case") {
      // Only the digits are typed; the hall's code and the dashes are put in: XIQU-20261130-0001.
      const prefix = cfg.rating.case_prefix;
      const value = input.value.toUpperCase();
      let digits = (value.startsWith(prefix) ? value.slice(prefix.length) : value).replace(/\D/g, "");
      if (key === "back") digits = digits.slice(0, -1);
      else if (key === "clear") digits = "";
      else if (/^\d$/.test(key) && digits.length < CASE_DIGITS_MAX) digits += key;
      input.value = prefix + digits.slice(0, 8) + (digits.length > 8 ? "-" + digits.slice(8) : "");
    } else if (key === "back") {
      input.value = input.value.slice(0, -1);
    } else if (key === "clear") {
      input.value = "";
    } else if (input.value.length < 10) {
      input.value += key;
    }
    rateError("rate-error", "");
  }

  async function findRated(event) {
    event.preventDefault();
    if (state.busy) return;
    const value = $("rate-number").value.replace(/\s/g, "").toUpperCase();
    if (CASE_NO.test(value)) return askGrade({ case_no: value });
    if (!TICKET_NUMBER.test(value)) {
      return rateError("rate-error", rating.mode === "case"
        ? "请输入完整的办件编号，如 " + cfg.rating.case_prefix + "20261130-0001"
        : "请输入号票上的号码，如 A012");
    }
    state.busy = true;
    $("rate-next").disabled = true;
    try {
      const ticket = await api(cfg.urls.find_ticket + "?number=" + encodeURIComponent(value));
      if (ticket.state !== "done") {
        rateError("rate-error", "该号票尚未办结（当前：" + (TICKET_STATES[ticket.state] || ticket.state) + "），办结后才能评价");
      } else {
        askGrade({ ticket: ticket });
      }
    } catch (err) {
      rateError("rate-error", err.code === "invalid_request" ? "号码格式不正确，请输入号票上的号码，如 A012" : err.message);
    } finally {
      state.busy = false;
      $("rate-next").disabled = false;
    }
  }

  function askGrade(subject) {
    rating.subject = subject;
    rating.grade = null;
    const ticket = subject.ticket;
    if (ticket) {
      const parts = [ticket.queue_name || ticket.queue];
      if (ticket.window_number) parts.push(ticket.window_number + "号窗口");
      if (ticket.issued_at) parts.push(timeFormat.format(new Date(ticket.issued_at)) + " 取号");
      $("rate-what").textContent = ticket.number;
      $("rate-detail").textContent = parts.join(" · ");
    } else {
      // No public look-up names a case's item without the applicant's phone: the number is shown.
      $("rate-what").textContent = subject.case_no;
      $("rate-detail").textContent = "办件服务评价（受理、审批与出件）";
    }
    document.querySelectorAll(".k-rate-grade").forEach(function (button) { button.setAttribute("aria-pressed", "false"); });
    $("rate-more").hidden = true;
    rateError("rate-send-error", "");
    rateStep("ask");
  }

  function chooseGrade(grade) {
    const wasBad = rating.grade !== null && rating.grade <= 2;
    rating.grade = grade;
    document.querySelectorAll(".k-rate-grade").forEach(function (button) {
      button.setAttribute("aria-pressed", String(Number(button.dataset.grade) === grade));
    });
    const bad = grade <= 2;
    if ($("rate-more").hidden || wasBad !== bad) {
      $("rate-comments-title").textContent = bad ? "哪里做得不好？（可多选，选填）" : "哪些方面让您满意？（可多选，选填）";
      const list = $("rate-comments");
      list.textContent = "";
      (bad ? cfg.rating.comments.bad : cfg.rating.comments.good).forEach(function (text) {
        const chip = el("button", "k-chip", text);
        chip.type = "button";
        chip.setAttribute("aria-pressed", "false");
        chip.addEventListener("click", function () {
          chip.setAttribute("aria-pressed", String(chip.getAttribute("aria-pressed") !== "true"));
        });
        list.append(chip);
      });
    }
    $("rate-more").hidden = false;
    rateError("rate-send-error", "");
  }

  function refuseRating(message) {
    // Back to the number, with why this one cannot be rated.
    rateStep("find");
    rateError("rate-error", message);
  }

  async function sendRating() {
    const subject = rating.subject;
    if (state.busy || !subject || !rating.grade) return;
    const body = { grade: rating.grade, channel: "kiosk" };
    if (subject.ticket) body.ticket_id = subject.ticket.id; else body.case_no = subject.case_no;
    const chosen = Array.from(document.querySelectorAll('#rate-comments .k-chip[aria-pressed="true"]'))
      .map(function (chip) { return chip.textContent; });
    if (chosen.length) body.comment = chosen.join("；");
    const noun = subject.ticket ? "该号票" : "该办件";
    state.busy = true;
    $("rate-send").disabled = true;
    try {
      await api(cfg.urls.ratings, { method: "POST", body: body });
      $("rate-thanks-sub").textContent = body.grade <= 2 ? "我们会认真整改，并尽快改进服务。" : "祝您生活愉快！";
      rateStep("thanks");
      rating.thanksTimer = setTimeout(closeRate, cfg.rating.thanks_s * 1000);
    } catch (err) {
      const details = err.details || {};
      const fields = details.fields || {};
      if (err.code === "conflict" && details.rated) refuseRating(noun + "已评价过，感谢您的反馈");
      else if (err.code === "conflict" && details.state) {
        refuseRating(subject.ticket ? "该号票尚未办结，办结后才能评价" : "该办件尚未办结送达，送达后才能评价");
      } else if (fields.case_no) refuseRating("办件编号不存在，请核对后重新输入");
      else rateError("rate-send-error", "评价未能提交：" + err.message);
    } finally {
      state.busy = false;
      $("rate-send").disabled = false;
    }
  }

  function showTicket(ticket, serviceName) {
    $("t-number").textContent = ticket.number;
    $("t-queue").textContent = ticket.queue_name || (state.queueByCode[ticket.queue] || {}).name || ticket.queue;
    $("t-service").textContent = serviceName ? "办理事项：" + serviceName : "";
    $("t-service").hidden = !serviceName;
    const priority = ticket.priority === "priority";
    $("t-priority").hidden = !priority;
    $("t-priority").textContent = priority ? "绿色通道 · " + (ticket.priority_reason || "优先") : "";
    $("t-ahead").textContent = ticket.waiting_ahead ?? 0;
    const est = ticket.est_wait_s ?? 0;
    const soon = est < 60;
    $("t-wait").textContent = soon ? "即将叫号" : Math.round(est / 60);
    $("t-wait").classList.toggle("is-text", soon);
    $("t-wait-unit").textContent = soon ? "" : "分钟";
    const statusPath = urlFor(cfg.urls.status, ticket.id);
    $("t-qr").src = urlFor(cfg.urls.qr, ticket.id);
    $("t-qr").dataset.statusUrl = statusPath;
    $("t-url").textContent = location.host + statusPath;
    $("ticket-card").classList.toggle("is-priority", priority);

    const printLink = $("t-print");
    printLink.href = urlFor(cfg.urls.printable, ticket.id);
    printLink.dataset.ticket = ticket.id;
    $("t-print-status").textContent = "";
    printLink.hidden = cfg.printer;
    $("ticket-view").hidden = false;
    startTicketTimer();
    if (cfg.printer) printOnPrinter(ticket);
  }

  async function printOnPrinter(ticket) {
    const status = $("t-print-status");
    status.textContent = "正在打印小票…";
    status.className = "k-print-status";
    try {
      await api(urlFor(cfg.urls.print, ticket.id), { method: "POST" });
      status.textContent = "小票已打印，请取走小票";
      status.className = "k-print-status is-ok";
    } catch (err) {
      status.textContent = err.message + "，也可扫码保存号码";
      status.className = "k-print-status is-error";
      // Offer the browser's own printing instead.
      $("t-print").hidden = false;
      startTicketTimer();
    }
  }

  function printInBrowser(event) {
    event.preventDefault();
    event.stopPropagation();
    $("print-frame").src = $("t-print").href;   // the page prints itself when loaded
    $("t-print-status").textContent = "正在打印…请在出纸口取走小票";
    $("t-print-status").className = "k-print-status";
    startTicketTimer();
  }

  function startTicketTimer() {
    stopTicketTimer();
    const total = cfg.return_after_s * 1000;
    state.ticketDeadline = Date.now() + total;
    const bar = $("t-progress");
    bar.style.transition = "none";
    bar.style.transform = "scaleX(1)";
    void bar.offsetWidth;  // restart the shrinking bar
    bar.style.transition = "transform " + cfg.return_after_s + "s linear";
    bar.style.transform = "scaleX(0)";
    const update = function () {
      const left = Math.max(0, Math.ceil((state.ticketDeadline - Date.now()) / 1000));
      $("t-countdown").textContent = left;
      if (left <= 0) resetToStart();
    };
    update();
    state.ticketTimer = setInterval(update, 250);
  }

  function stopTicketTimer() {
    if (state.ticketTimer) clearInterval(state.ticketTimer);
    state.ticketTimer = null;
  }

  // ---------- wiring ----------

  function init() {
    tick();
    setInterval(tick, 10000);

    $("tab-queues").addEventListener("click", function () { showView("queues"); });
    $("tab-items").addEventListener("click", function () { showView("items"); });
    $("item-search").addEventListener("input", filterItems);
    $("search-clear").addEventListener("click", function () {
      $("item-search").value = "";
      filterItems();
      $("item-search").focus();
    });

    const dialog = $("priority-dialog");
    $("priority-open").addEventListener("click", function () { dialog.showModal(); });
    $("priority-dialog-cancel").addEventListener("click", function () { dialog.close(); });
    $("priority-reasons").addEventListener("click", function (event) {
      const button = event.target.closest("button[data-reason]");
      if (!button) return;
      setPriority(button.dataset.reason);
      dialog.close();
    });
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) dialog.close();  // a tap on the backdrop
    });
    $("priority-cancel").addEventListener("click", function () { setPriority(null); });

    $("checkin-open").addEventListener("click", openCheckin);
    $("checkin-cancel").addEventListener("click", function () { $("checkin-dialog").close(); });
    $("checkin-form").addEventListener("submit", checkIn);
    $("checkin-keys").addEventListener("click", function (event) {
      const button = event.target.closest("button[data-key]");
      if (button) typeKey(button.dataset.key);
    });
    $("checkin-code").addEventListener("input", function () { checkinError(""); });

    $("rate-open").addEventListener("click", openRate);
    $("rate-cancel").addEventListener("click", closeRate);
    $("rate-dialog").addEventListener("close", forgetRating);
    $("rate-find").addEventListener("submit", findRated);
    $("rate-keys").addEventListener("click", function (event) {
      const button = event.target.closest("button[data-key]");
      if (button) typeRateKey(button.dataset.key);
    });
    $("rate-number").addEventListener("input", function () { rateError("rate-error", ""); });
    document.querySelectorAll(".k-rate-modes button").forEach(function (button) {
      button.addEventListener("click", function () { setRateMode(button.dataset.mode); });
    });
    $("rate-grades").addEventListener("click", function (event) {
      const button = event.target.closest("button[data-grade]");
      if (button) chooseGrade(Number(button.dataset.grade));
    });
    $("rate-send").addEventListener("click", sendRating);

    $("ticket-view").addEventListener("click", function (event) {
      if (event.target.closest("#t-print")) return;
      resetToStart();
    });
    $("t-print").addEventListener("click", printInBrowser);

    ["pointerdown", "keydown", "input"].forEach(function (name) {
      document.addEventListener(name, function () { state.lastTouch = Date.now(); }, true);
    });
    setInterval(function () {
      const atStart = state.view === "queues" && !state.priorityReason && $("ticket-view").hidden &&
        !$("checkin-dialog").open && !$("rate-dialog").open;
      if (!atStart && Date.now() - state.lastTouch > IDLE_RESET_MS && $("ticket-view").hidden) resetToStart();
    }, 5000);
    document.addEventListener("contextmenu", function (event) { event.preventDefault(); });

    loadQueues();
    loadServices();

    if (window.WubanLive && window.io) {
      window.WubanLive.connect({
        subscribe: { hall: cfg.hall },
        onSnapshot: function (snapshot) {
          (snapshot.queues || []).forEach(function (q) { state.waiting[q.code] = q.waiting; });
          updateCounts();
          scheduleQueueRefresh();
        },
        onQueue: function (event) {
          state.waiting[event.queue] = event.waiting;
          updateCounts();
          scheduleQueueRefresh();
        },
        onStatus: function (online) { $("live-status").hidden = online; },
      });
    }
  }

  init();
})();
