/*
 * The back-office approval screen (后台分类审批).
 *
 * Everything goes through the JSON API with the page's bearer token. The list holds the views of
 * the cases the user works on: 网上预审 (online applications of the hall, for clerks) and the
 * department's 待认领, 我的在办, 待出件, 全部 (for approvers); the server names the user's tabs in
 * the page's config. The detail pane shows one case and offers only the triggers the API lists in
 * its allowed_triggers. After each action, and on every
 * case_updated notice of the hall, the screen reads again what the server holds.
 */
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("bo-config").textContent);
  const $ = function (id) { return document.getElementById(id); };
  const API = "/api/v1";
  const LIMIT = 200;
  const LIVE_DEBOUNCE_MS = 300;  // a burst of notices (accept + dispatch) reads the lists once

  const STATE_NAMES = {
    draft: "草稿", pre_review: "网上预审中", agent_requested: "待分配代办员", agent_assigned: "代办中",
    submitted: "待受理", awaiting_supplement: "待补正", not_accepted: "不予受理", accepted: "已受理",
    in_approval: "待认领", reviewing: "审查中", suspended: "已中止", approved: "准予许可",
    denied: "不予许可", ready_for_pickup: "待取件", mailing: "邮寄中", delivered: "已送达",
    closed: "已归档", withdrawn: "已撤回",
  };
  const TRIGGER_NAMES = {
    create: "创建", submit: "提交", pass_pre_review: "预审通过", assign_agent: "分配代办员",
    accept: "受理", accept_with_deficiency: "容缺受理", complete_on_spot: "当场办结",
    request_supplement: "一次性告知补正", supplement: "补正", refuse: "不予受理", dispatch: "分送承办部门",
    claim: "认领", unclaim: "退回待认领", reassign: "转办", suspend: "中止", resume: "恢复",
    approve: "准予许可", deny: "不予许可", notify_pickup: "通知取件", mail: "邮寄",
    deliver: "送达", close: "归档", withdraw: "撤回",
  };
  const SUSPEND_KINDS = {
    hearing: "听证", testing: "检验", inspection: "检测、现场勘验", appraisal: "鉴定", expert_review: "专家评审",
  };
  const DOCUMENT_NAMES = {
    acceptance: "受理通知书", deficiency: "容缺受理通知书", supplement: "一次性告知书",
    refusal: "不予受理通知书", completion: "办结通知书",
  };
  const LIGHT_NAMES = { green: "绿灯：时限充足", yellow: "黄灯：临近期限", red: "红灯：已超期" };
  const DONE_MESSAGES = {
    pass_pre_review: "预审通过，已受理并分送承办部门", refuse: "已作出不予受理决定",
    claim: "已认领", unclaim: "已退回待认领", reassign: "已转办", suspend: "已中止，时限暂停计算",
    resume: "已恢复审查，时限继续计算", request_supplement: "已发出一次性补正告知，时限暂停计算",
    approve: "已作出准予许可决定", deny: "已作出不予许可决定", notify_pickup: "已通知申请人取件", mail: "已登记邮寄",
  };

  // The views of the list: the queries each reads, and the states kept (null: all it answers).
  const MINE_STATES = ["reviewing", "suspended", "awaiting_supplement"];
  const ALL_TABS = {
    pre_review: { queries: [{ state: "pre_review" }], keep: null, empty: "没有待预审的网上申请" },
    claimable: { queries: [{ state: "in_approval" }], keep: null, empty: "没有待认领的办件" },
    mine: { queries: [{ assignee: "me" }], keep: MINE_STATES, empty: "您手上没有在办的办件" },
    decided: { queries: [{ state: "approved" }, { state: "denied" }], keep: null, empty: "没有待出件的办件" },
    all: { queries: [{}], keep: null, empty: "没有办件" },
  };
  const TABS = {};
  cfg.tabs.forEach(function (name) { TABS[name] = ALL_TABS[name]; });

  // An approver starts at 待认领; a clerk has 网上预审 only.
  const FIRST_TAB = TABS.claimable ? "claimable" : cfg.tabs[0];

  const screen = {
    tab: FIRST_TAB, lists: {}, partial: {}, selected: null, current: null,
    busy: false, loadSeq: 0, detailSeq: 0, search: "", dialogTrigger: null,
  };

  // ---------- API ----------

  const api = window.WubanStaffApi.client(cfg.token);

  function query(params) {
    const search = new URLSearchParams();
    Object.keys(params).forEach(function (key) {
      if (params[key] !== null && params[key] !== undefined && params[key] !== "") search.set(key, params[key]);
    });
    return search.toString();
  }

  // ---------- banner ----------

  let bannerTimer = null;
  function banner(message, kind) {
    const box = $("bo-banner");
    $("bo-banner-text").textContent = message;
    box.className = "bo-banner bo-banner-" + (kind || "error");
    box.hidden = false;
    clearTimeout(bannerTimer);
    bannerTimer = setTimeout(hideBanner, kind === "info" ? 5000 : 15000);
  }
  function hideBanner() { $("bo-banner").hidden = true; }

  function showError(error) {
    if (error.status === 401) {
      banner("", "error");
      const box = $("bo-banner-text");
      box.textContent = "登录已过期，请";
      const link = document.createElement("a");
      link.href = cfg.login_url;
      link.textContent = "重新登录";
      box.append(link);
      return;
    }
    banner(error.message || "操作失败", "error");
  }

  // ---------- formatting ----------

  function partsOf(iso) {
    const parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: cfg.tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(new Date(iso)).forEach(function (part) { parts[part.type] = part.value; });
    return parts;
  }
  function dateOf(iso) {   // the hall date of a time, YYYY-MM-DD
    if (!iso) return "—";
    const p = partsOf(iso);
    return p.year + "-" + p.month + "-" + p.day;
  }
  function dateTime(iso) {
    if (!iso) return "—";
    const p = partsOf(iso);
    return p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute;
  }
  function remainingText(c) {
    const n = c.remaining_workdays;
    if (n === null || n === undefined) return "—";
    if (n < 0) return "超期 " + (-n) + " 天";
    if (n === 0) return "今日到期";
    return n + " 天";
  }
  function maskName(name) {
    if (!name) return "—";
    const chars = Array.from(name);
    return chars.length <= 1 ? name : chars[0] + "*".repeat(Math.min(chars.length - 1, 3));
  }
  function personName(person) {
    if (!person) return "—";
    if (typeof person === "string") return person;
    return person.name || person.username || "—";
  }
  function stateName(state) { return state ? (STATE_NAMES[state] || state) : "—"; }
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function lightDot(light) {
    const dot = el("span", "bo-dot is-" + (light || "none"));
    const label = light ? LIGHT_NAMES[light] : "不计时";
    dot.title = label;
    dot.setAttribute("role", "img");
    dot.setAttribute("aria-label", label);
    return dot;
  }

  // ---------- the list ----------

  function scopeParams(tab) {
    // An approver sees their department's cases anyway; a supervisor or admin without one, their hall's.
    // Online applications are pre-reviewed by the hall they were made to, whatever the department.
    if (tab === "pre_review" && cfg.hall) return { hall: cfg.hall };
    if (cfg.department) return { department: cfg.department };
    if (cfg.hall) return { hall: cfg.hall };
    return {};
  }

  function byDeadline(a, b) {
    // Running clocks first, the nearest deadline on top; cases without a deadline after them.
    const da = a.deadline || "9999-99-99", db = b.deadline || "9999-99-99";
    if (da !== db) return da < db ? -1 : 1;
    return a.case_no < b.case_no ? -1 : a.case_no > b.case_no ? 1 : 0;
  }

  async function loadTab(name) {
    const tab = TABS[name];
    const extra = name === "all" && screen.search ? { q: screen.search } : {};
    const answers = await Promise.all(tab.queries.map(function (params) {
      return api("GET", "/cases?" + query(Object.assign({}, scopeParams(name), params, extra, { limit: LIMIT })));
    }));
    let items = [];
    let total = 0;
    answers.forEach(function (answer) { items = items.concat(answer.items); total += answer.total; });
    const shown = items.length;
    if (tab.keep) items = items.filter(function (c) { return tab.keep.indexOf(c.state) >= 0; });
    items.sort(byDeadline);
    return { items: items, partial: total > shown ? total : 0 };
  }

  async function loadLists() {
    const seq = ++screen.loadSeq;
    const names = Object.keys(TABS);
    let results;
    try {
      results = await Promise.all(names.map(loadTab));
    } catch (error) {
      if (seq === screen.loadSeq) showError(error);
      return;
    }
    if (seq !== screen.loadSeq) return;   // a newer load has started: its answer wins
    names.forEach(function (name, index) {
      screen.lists[name] = results[index].items;
      screen.partial[name] = results[index].partial;
    });
    renderList();
    $("bo-updated").textContent = "列表更新于 " + dateTime(new Date().toISOString()).slice(11);
  }

  function renderList() {
    Object.keys(TABS).forEach(function (name) {
      const list = screen.lists[name];
      const count = document.querySelector('[data-count="' + name + '"]');
      count.textContent = list ? String(list.length) : "";
    });
    document.querySelectorAll(".bo-tab").forEach(function (tab) {
      tab.setAttribute("aria-selected", tab.dataset.tab === screen.tab ? "true" : "false");
    });
    const items = screen.lists[screen.tab] || [];
    const rows = $("bo-rows");
    rows.textContent = "";
    items.forEach(function (c) {
      const tr = el("tr");
      tr.dataset.caseNo = c.case_no;
      tr.dataset.light = c.light || "none";
      if (c.case_no === screen.selected) {
        tr.className = "is-selected";
        tr.setAttribute("aria-selected", "true");
      }
      const light = el("td", "col-light");
      light.append(lightDot(c.light));
      const number = el("td", "col-no");
      const link = el("a", null, c.case_no);
      link.href = "#" + encodeURIComponent(c.case_no);
      number.append(link);
      const service = el("td", "col-service", c.service_name || c.service);
      service.title = service.textContent;
      const remaining = el("td", "col-remaining is-" + (c.light || "none"), remainingText(c));
      if (c.clock_paused) remaining.append(el("span", "bo-tag", "暂停"));
      tr.append(
        light, number,
        service,
        el("td", "col-applicant", maskName(c.applicant && c.applicant.name)),
        el("td", "col-state", stateName(c.state)),
        el("td", "col-date", dateOf(c.accepted_at)),
        el("td", "col-date", c.deadline || "—"),
        remaining
      );
      rows.append(tr);
    });
    $("bo-empty").hidden = items.length > 0 || !screen.lists[screen.tab];
    $("bo-empty").textContent = screen.tab === "all" && screen.search ? "没有找到“" + screen.search + "”" : TABS[screen.tab].empty;
    const partial = screen.partial[screen.tab];
    $("bo-more").hidden = !partial;
    $("bo-more").textContent = partial ? "仅显示前 " + LIMIT + " 件（共 " + partial + " 件），请用查找缩小范围" : "";
  }

  // ---------- the detail pane ----------

  function select(caseNo) {
    screen.selected = caseNo || null;
    document.querySelectorAll("#bo-rows tr").forEach(function (tr) {
      const on = tr.dataset.caseNo === screen.selected;
      tr.classList.toggle("is-selected", on);
      if (on) tr.setAttribute("aria-selected", "true"); else tr.removeAttribute("aria-selected");
    });
    if (!screen.selected) {
      screen.current = null;
      renderCase();
      return Promise.resolve();
    }
    return loadCase();
  }

  async function loadCase() {
    const caseNo = screen.selected;
    if (!caseNo) return;
    const seq = ++screen.detailSeq;
    try {
      const c = await api("GET", "/cases/" + encodeURIComponent(caseNo));
      if (seq !== screen.detailSeq) return;
      screen.current = c;
    } catch (error) {
      if (seq !== screen.detailSeq) return;
      screen.current = null;
      showError(error);
    }
    renderCase();
  }

  function fill(id, text) { $(id).textContent = text === null || text === undefined || text === "" ? "—" : text; }

  function deliveryText(c) {
    const d = c.delivery || {};
    if (d.method === "mail") {
      return "邮寄送达" + (d.address ? "：" + d.address : "") + (c.waybill_no ? "（运单号 " + c.waybill_no + "）" : "");
    }
    if (d.method === "pickup") return "窗口取件" + (d.hall_name || d.hall ? "：" + (d.hall_name || d.hall) : "");
    return "—";
  }

  function renderCase() {
    const c = screen.current;
    $("bo-detail-empty").hidden = !!c;
    $("bo-case").hidden = !c;
    if (!c) return;
    $("bo-case").dataset.state = c.state;
    fill("d-case-no", c.case_no);
    fill("d-service", c.service_name || c.service);
    const state = $("d-state");
    state.textContent = stateName(c.state);
    state.className = "bo-state is-" + c.state;
    const clock = $("d-clock");
    clock.textContent = "";
    if (c.light) clock.append(lightDot(c.light), document.createTextNode(LIGHT_NAMES[c.light].slice(3)));
    if (c.clock_paused) clock.append(el("span", "bo-tag", "计时暂停"));

    fill("d-mode", c.mode_name || c.mode);
    fill("d-hall", c.hall_name || c.hall);
    fill("d-department", c.department_name || c.department);
    fill("d-assignee", c.assignee ? personName(c.assignee) : "未认领");
    fill("d-applicant", c.applicant && c.applicant.name);
    fill("d-id-number", c.applicant && c.applicant.id_number);
    fill("d-phone", c.applicant && c.applicant.phone);
    fill("d-delivery", deliveryText(c));
    fill("d-accepted", dateTime(c.accepted_at));
    fill("d-deadline", c.deadline);
    fill("d-remaining", remainingText(c) + (c.clock_paused ? "（计时暂停）" : ""));
    fill("d-decided", c.decided_at ? dateTime(c.decided_at) + (c.on_time === false ? "（超期办结）" : c.on_time ? "（按时办结）" : "") : null);

    renderMaterials(c);
    renderFiles(c);
    renderHistory(c);
    renderActions();
  }

  // 网上办: the files the applicant uploaded (GET /cases/{no}/files), opened with this page's token.
  async function renderFiles(c) {
    const list = $("d-files");
    $("d-files-block").hidden = c.mode !== "online";
    list.textContent = "";
    if (c.mode !== "online") return;
    let files;
    try {
      files = await api("GET", "/cases/" + encodeURIComponent(c.case_no) + "/files");
    } catch (error) {
      list.append(el("li", "bo-none", error.message || "读取材料失败"));
      return;
    }
    if (!screen.current || screen.current.case_no !== c.case_no) return;
    list.textContent = "";
    files.forEach(function (file) {
      const li = el("li", null, file.material);
      const open = el("button", "bo-link", file.original_name + "（" + Math.max(1, Math.round(file.size / 1024)) + " KB）");
      open.type = "button";
      open.addEventListener("click", function () { openFile(c.case_no, file.id); });
      const note = el("small");
      note.append(open);
      li.append(note);
      list.append(li);
    });
    if (!files.length) list.append(el("li", "bo-none", "无上传的材料"));
  }

  async function openFile(caseNo, fileId) {
    const opened = window.open("", "_blank");
    try {
      const response = await fetch(API + "/cases/" + encodeURIComponent(caseNo) + "/files/" + fileId,
        { headers: { Authorization: "Bearer " + cfg.token }, cache: "no-store" });
      if (!response.ok) throw new Error("文件暂时无法打开（" + response.status + "）");
      const url = URL.createObjectURL(await response.blob());
      if (opened) opened.location = url; else window.location = url;
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    } catch (error) {
      if (opened) opened.close();
      showError({ message: error instanceof TypeError ? "网络连接失败，请检查网络后重试" : error.message });
    }
  }

  function renderMaterials(c) {
    const materials = $("d-materials");
    materials.textContent = "";
    (c.materials || []).forEach(function (m) {
      const li = el("li", null, m.name);
      const notes = [];
      if (m.files) notes.push("电子件 " + m.files + " 份");   // sent online: scans, no original seen
      if (m.original_seen) notes.push("已核原件");
      if (m.copies) notes.push("复印件 " + m.copies + " 份");
      if (notes.length) li.append(el("small", null, notes.join(" · ")));
      materials.append(li);
    });
    if (!materials.children.length) materials.append(el("li", "bo-none", "无登记的材料"));

    const deficiencies = c.deficiencies || [];
    $("d-deficiencies-block").hidden = deficiencies.length === 0;
    const list = $("d-deficiencies");
    list.textContent = "";
    deficiencies.forEach(function (d) {
      const li = el("li", d.received_at ? "is-received" : "is-missing", d.name);
      li.append(el("small", null, d.received_at ? "已于 " + dateOf(d.received_at) + " 补齐" : "须在 " + (d.due || "—") + " 前补齐"));
      list.append(li);
    });

    const missing = c.missing || [];
    $("d-missing-block").hidden = missing.length === 0;
    const missingList = $("d-missing");
    missingList.textContent = "";
    missing.forEach(function (name) { missingList.append(el("li", null, typeof name === "string" ? name : name.name)); });
  }

  function historyData(data) {
    if (!data || typeof data !== "object") return "";
    const bits = [];
    if (data.kind) bits.push("原因：" + (SUSPEND_KINDS[data.kind] || data.kind));
    if (data.assignee) bits.push("转给：" + personName(data.assignee));
    if (data.missing && data.missing.length) bits.push("需补正：" + data.missing.join("、"));
    if (data.deficiencies && data.deficiencies.length) bits.push("容缺：" + data.deficiencies.join("、") + (data.due ? "（" + data.due + " 前）" : ""));
    if (data.waybill_no) bits.push("运单号：" + data.waybill_no);
    return bits.join("；");
  }

  function renderHistory(c) {
    const list = $("d-history");
    list.textContent = "";
    (c.history || []).slice().reverse().forEach(function (h) {   // newest first
      const li = el("li");
      li.dataset.trigger = h.trigger || "create";
      const head = el("div", "bo-h-head");
      head.append(
        el("span", "bo-h-time", dateTime(h.at)),
        el("span", "bo-h-trigger", h.from ? (TRIGGER_NAMES[h.trigger] || h.trigger) : "创建办件"),
        el("span", "bo-h-states", (h.from ? stateName(h.from) + " → " : "") + stateName(h.to)),
        el("span", "bo-h-actor", h.actor_name || (!h.actor && h.data && h.data.by === "applicant" ? "申请人（网上）" : personName(h.actor)))
      );
      li.append(head);
      const extra = historyData(h.data);
      if (extra) li.append(el("p", "bo-h-data", extra));
      if (h.note) li.append(el("p", "bo-h-note", h.note));
      list.append(li);
    });
  }

  function renderActions() {
    const c = screen.current;
    const allowed = c ? c.allowed_triggers || [] : [];
    let shown = 0;
    document.querySelectorAll("#bo-actions [data-trigger]").forEach(function (button) {
      const on = allowed.indexOf(button.dataset.trigger) >= 0;
      button.hidden = !on;
      button.disabled = screen.busy;
      if (on) shown += 1;
    });
    $("bo-no-actions").hidden = shown > 0;
    $("bo").classList.toggle("is-busy", screen.busy);
  }

  // ---------- actions ----------

  const DIRECT = { claim: true, unclaim: true, resume: true };

  async function fire(trigger, body, fromDialog) {
    const c = screen.current;
    if (!c || screen.busy) return false;
    screen.busy = true;
    renderActions();
    let ok = false;
    try {
      const answer = await api("POST", "/cases/" + encodeURIComponent(c.case_no) + "/transitions",
        Object.assign({ trigger: trigger }, body || {}));
      ok = true;
      screen.detailSeq += 1;   // a read started before this answer would be older than it
      if (answer && answer.case_no === screen.selected) screen.current = answer;
      banner((DONE_MESSAGES[trigger] || "操作成功") + "：" + c.case_no, "info");
    } catch (error) {
      if (fromDialog && error.status === 400) {
        screen.busy = false;
        renderActions();
        dialogError(fieldMessages(error));
        return false;
      }
      await explain(trigger, c, error);
    } finally {
      screen.busy = false;
    }
    renderCase();
    loadLists();
    return ok;
  }

  async function explain(trigger, c, error) {
    // The case changed under us (a colleague was quicker): say so plainly and show what it is now.
    if (error.status === 409 || error.status === 403) await loadCase();
    const now = screen.current && screen.current.case_no === c.case_no ? screen.current : null;
    if (trigger === "claim" && now && now.assignee && now.assignee.username !== cfg.username) {
      banner("该办件已被" + personName(now.assignee) + "认领，您未能认领。列表已刷新，请选择其他办件。", "error");
      return;
    }
    if (error.status === 409) {
      banner((error.message || "办件状态已变化") + "（已刷新为最新状态）", "error");
      return;
    }
    showError(error);
  }

  function fieldMessages(error) {
    const fields = error.details && error.details.fields;
    if (!fields) return error.message;
    const names = { note: "意见", "data.waybill_no": "运单号", "data.address": "邮寄地址", "data.missing": "补正材料", "data.assignee": "转办人员", "data.kind": "中止原因" };
    return error.message + "：" + Object.keys(fields).map(function (key) {
      return (names[key] || key) + " " + fields[key];
    }).join("；");
  }

  // ---------- the dialog ----------

  const DIALOGS = {
    reassign: { title: "转办", sub: "转给本部门的另一位审批人，由其继续审查。", ok: "转办", fields: ["reassign", "note"], note: "转办说明（选填）" },
    suspend: { title: "中止审查", sub: "听证、检验、检测、鉴定或专家评审期间中止，所需时间不计入办理时限（《行政许可法》第四十五条）。", ok: "中止", fields: ["suspend", "note"], note: "说明（选填）" },
    pass_pre_review: { title: "预审通过", sub: "网上申请材料齐全、符合法定形式：予以受理，开始计算办理时限，并分送承办部门审批。", ok: "预审通过", fields: ["note"], note: "预审意见（选填）" },
    request_supplement: { title: "一次性告知补正", sub: "一次性告知申请人需补正的全部材料；补正期间不计入办理时限。", ok: "发出告知", fields: ["request_supplement", "note"], note: "告知说明（选填）" },
    refuse: { title: "不予受理", sub: "申请事项不属于本机关职权范围或不符合受理条件，决定不予受理，须说明理由。", ok: "不予受理", fields: ["note"], note: "不予受理的理由（必填）", required: true },
    approve: { title: "准予许可", sub: "作出准予行政许可的决定。", ok: "准予许可", fields: ["note"], note: "审批意见（必填）", required: true },
    deny: { title: "不予许可", sub: "作出不予行政许可的决定，须说明理由。", ok: "不予许可", fields: ["note"], note: "不予许可的理由（必填）", required: true },
    notify_pickup: { title: "通知取件", sub: "", ok: "通知取件", fields: ["note"], note: "备注（选填）" },
    mail: { title: "邮寄送达", sub: "", ok: "登记邮寄", fields: ["mail", "note"], note: "备注（选填）" },
  };

  const OK = { approve: true, pass_pre_review: true };
  const BAD = { deny: true, refuse: true };

  function dialogError(message) {
    $("dlg-error").textContent = message || "";
    $("dlg-error").hidden = !message;
  }

  async function openDialog(trigger) {
    const c = screen.current;
    const spec = DIALOGS[trigger];
    if (!c || !spec) return;
    screen.dialogTrigger = trigger;
    $("dlg-title").textContent = spec.title + "：" + c.case_no;
    let sub = spec.sub;
    if (trigger === "notify_pickup") {
      const hall = (c.delivery && (c.delivery.hall_name || c.delivery.hall)) || c.hall_name || c.hall;
      sub = "通知申请人到" + hall + "统一出件窗口领取结果。";
    }
    if (trigger === "mail") sub = "寄出办理结果，登记运单号后申请人会收到短信通知。";
    if (trigger === "request_supplement" && c.state === "pre_review") {
      sub = "一次性告知申请人需补正的全部材料；申请人收到短信后在网上补传，补传后回到网上预审。";
    }
    $("dlg-sub").textContent = sub;
    document.querySelectorAll("#bo-dialog .bo-field").forEach(function (field) {
      field.hidden = spec.fields.indexOf(field.dataset.for) < 0;
    });
    $("dlg-note-label").textContent = spec.note;
    $("dlg-note").value = "";
    $("dlg-note").required = !!spec.required;
    $("dlg-waybill").value = "";
    $("dlg-address").value = (c.delivery && c.delivery.address) || "";
    $("dlg-missing-extra").value = "";
    $("dlg-ok").textContent = spec.ok;
    $("dlg-ok").className = "bo-btn " + (BAD[trigger] ? "bo-btn-bad" : OK[trigger] ? "bo-btn-ok" : "bo-btn-primary");
    dialogError("");
    $("dlg-ok").disabled = false;

    try {
      if (trigger === "reassign") await fillApprovers(c);
      if (trigger === "request_supplement") await fillMaterials(c);
    } catch (error) {
      showError(error);
      return;
    }
    $("bo-dialog").showModal();
    const first = { reassign: "dlg-assignee", suspend: "dlg-kind", mail: "dlg-waybill" }[trigger];
    (first ? $(first) : trigger === "request_supplement" ? $("dlg-missing-extra") : $("dlg-note")).focus();
  }

  async function fillApprovers(c) {
    const approvers = await api("GET", "/departments/" + encodeURIComponent(c.department) + "/approvers");
    const select = $("dlg-assignee");
    select.textContent = "";
    const mine = c.assignee && c.assignee.username;
    approvers.filter(function (a) { return a.username !== mine; }).forEach(function (a) {
      const option = el("option", null, (a.name || a.username) + "（" + a.username + "）");
      option.value = a.username;
      select.append(option);
    });
    if (!select.options.length) {
      const option = el("option", null, "本部门没有其他审批人");
      option.value = "";
      select.append(option);
    }
  }

  async function fillMaterials(c) {
    const service = await api("GET", "/services/" + encodeURIComponent(c.service));
    const box = $("dlg-materials");
    box.textContent = "";
    (service.materials || []).forEach(function (m, index) {
      const label = el("label", "bo-check");
      const input = el("input");
      input.type = "checkbox";
      input.value = m.name;
      input.id = "dlg-material-" + index;
      label.append(input, el("span", null, m.name));
      if (m.note) label.append(el("small", null, m.note));
      box.append(label);
    });
  }

  function dialogBody(trigger) {
    const note = $("dlg-note").value.trim();
    const body = {};
    if (note) body.note = note;
    if (DIALOGS[trigger].required && !note) return { error: "请填写" + DIALOGS[trigger].note.replace(/（必填）$/, "") };
    if (trigger === "reassign") {
      const assignee = $("dlg-assignee").value;
      if (!assignee) return { error: "请选择转办人员" };
      body.data = { assignee: assignee };
    } else if (trigger === "suspend") {
      body.data = { kind: $("dlg-kind").value };
    } else if (trigger === "request_supplement") {
      const missing = Array.from(document.querySelectorAll("#dlg-materials input:checked")).map(function (i) { return i.value; })
        .concat($("dlg-missing-extra").value.split("\n").map(function (line) { return line.trim(); }).filter(Boolean));
      if (!missing.length) return { error: "请至少选择或填写一项需补正的材料" };
      body.data = { missing: missing };
    } else if (trigger === "mail") {
      const waybill = $("dlg-waybill").value.trim();
      if (!waybill) return { error: "请填写邮件运单号" };
      body.data = { waybill_no: waybill };
      const address = $("dlg-address").value.trim();
      if (!address) return { error: "请填写邮寄地址" };
      if (address !== ((screen.current.delivery && screen.current.delivery.address) || "")) body.data.address = address;
    }
    return { body: body };
  }

  async function submitDialog() {
    const trigger = screen.dialogTrigger;
    const built = dialogBody(trigger);
    if (built.error) { dialogError(built.error); return; }
    dialogError("");
    $("dlg-ok").disabled = true;
    const dialog = $("bo-dialog");
    const ok = await fire(trigger, built.body, true);
    $("dlg-ok").disabled = false;
    // A 400 stays in the dialog to be corrected; anything else closes it (the banner says why).
    if (ok || $("dlg-error").hidden) dialog.close();
  }

  // ---------- keyboard ----------

  function onKey(event) {
    if (event.ctrlKey || event.altKey || event.metaKey || $("bo-dialog").open) return;
    const target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const items = screen.lists[screen.tab] || [];
    if (!items.length) return;
    event.preventDefault();
    let index = items.findIndex(function (c) { return c.case_no === screen.selected; });
    index = event.key === "ArrowDown" ? Math.min(items.length - 1, index + 1) : Math.max(0, index - 1);
    location.hash = encodeURIComponent(items[index].case_no);
    const row = document.querySelector('#bo-rows tr[data-case-no="' + CSS.escape(items[index].case_no) + '"]');
    if (row) row.scrollIntoView({ block: "nearest" });
  }

  // ---------- live ----------

  let liveTimer = null;
  function onCaseUpdated(notice) {
    if (cfg.department && notice.department && notice.department !== cfg.department) return;  // another department's
    clearTimeout(liveTimer);
    liveTimer = setTimeout(function () {
      loadLists();
      if (notice.case_no === screen.selected && !screen.busy) loadCase();
    }, LIVE_DEBOUNCE_MS);
  }

  function onStatus(online) {
    const conn = $("bo-conn");
    conn.textContent = online ? "● 实时连接" : "● 连接中断，正在重连…";
    conn.className = "bo-conn " + (online ? "is-online" : "is-offline");
  }

  function refresh() {
    loadLists();
    if (screen.selected && !screen.busy) loadCase();
  }

  // ---------- start ----------

  function selectFromHash() {
    const caseNo = decodeURIComponent(location.hash.slice(1));
    if (caseNo !== screen.selected || !screen.current) select(caseNo);
  }

  $("bo-tabs").addEventListener("click", function (event) {
    const tab = event.target.closest(".bo-tab");
    if (!tab) return;
    screen.tab = tab.dataset.tab;
    renderList();
  });
  if ($("bo-search")) {   // only with the 全部 tab, where the results are shown
    $("bo-search").addEventListener("submit", function (event) {
      event.preventDefault();
      screen.search = $("bo-q").value.trim();
      screen.tab = "all";
      loadLists();
    });
    $("bo-q").addEventListener("search", function () {   // the field's × clears the search
      if (!$("bo-q").value && screen.search) { screen.search = ""; loadLists(); }
    });
  }
  $("bo-rows").addEventListener("click", function (event) {
    const row = event.target.closest("tr[data-case-no]");
    if (!row || event.target.closest("a")) return;
    location.hash = encodeURIComponent(row.dataset.caseNo);
  });
  $("bo-actions").addEventListener("click", function (event) {
    const button = event.target.closest("[data-trigger]");
    if (!button || button.disabled || screen.busy) return;
    const trigger = button.dataset.trigger;
    if (DIRECT[trigger]) fire(trigger);
    else openDialog(trigger);
  });
  $("dlg-form").addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.value === "ok") {
      event.preventDefault();
      submitDialog();
    }
  });
  $("bo-refresh").addEventListener("click", refresh);
  $("bo-banner-close").addEventListener("click", hideBanner);
  window.addEventListener("hashchange", selectFromHash);
  document.addEventListener("keydown", onKey);
  // Notices may be lost while the link is down; the snapshot on reconnect and this timer catch up.
  setInterval(function () { if (!screen.busy && !$("bo-dialog").open) refresh(); }, 120000);

  renderList();
  loadLists();
  if (location.hash.length > 1) selectFromHash();
  else renderCase();

  if (window.WubanLive && window.io && cfg.hall) {
    const live = window.WubanLive.connect({
      subscribe: { hall: cfg.hall },
      token: cfg.token,
      onSnapshot: function (snapshot, again) { if (again) refresh(); },
      onStatus: onStatus,
      onError: function (body) { showError({ message: "实时订阅失败：" + body.error.message }); },
    });
    live.socket.on("case_updated", onCaseUpdated);
  } else {
    onStatus(false);
    $("bo-conn").textContent = "未连接实时更新";
  }
})();
