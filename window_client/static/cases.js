/*
 * What the clerk's two case panels share (受理 in intake.js, 取件 in pickup.js): names, the
 * applicant checks done in the browser, error display next to fields, and printing a document.
 */
(function () {
  "use strict";

  const MODE_NAMES = {
    immediate: "马上办", online: "网上办", once: "一次办", agent: "代理办", citywide: "同城办", bundle: "主题式服务",
  };
  // The modes a window opens a case in: online cases come from the portal, agent cases from agents;
  // a 主题式 item (一件事) is taken in once for all its parts.
  const WINDOW_MODES = ["immediate", "once", "citywide", "bundle"];

  // The server's names (a case carries its own state_name; these cover lists and older answers).
  const STATE_NAMES = {
    draft: "草稿", pre_review: "网上预审中", agent_requested: "待指派代办员", agent_assigned: "代办员办理中",
    submitted: "已提交，待受理", awaiting_supplement: "待补正材料", not_accepted: "不予受理", accepted: "已受理",
    in_approval: "待审批", reviewing: "审批中", suspended: "中止（听证、检验、鉴定等）", approved: "准予许可",
    denied: "不予许可", ready_for_pickup: "待领取", mailing: "邮寄中", delivered: "已送达",
    closed: "已办结归档", withdrawn: "已撤回",
  };

  /** Name a case's state in Chinese. */
  function stateName(kase) {
    return kase.state_name || STATE_NAMES[kase.state] || kase.state;
  }

  const DOCUMENT_NAMES = {
    acceptance: "受理通知书", deficiency: "容缺受理通知书", supplement: "一次性告知书",
    refusal: "不予受理通知书", completion: "办结通知书",
  };

  // GB 11643: 17 digits weighted, the sum mod 11 picks the check character.
  const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const ID_CHECK = "10X98765432";

  /** Say what is wrong with an ID number (18 characters, real birth date, check digit), or "" when valid. */
  function idNumberError(value) {
    const id = (value || "").trim().toUpperCase();
    if (!id) return "请填写身份证号";
    if (!/^\d{17}[\dX]$/.test(id)) return "身份证号应为 18 位（17 位数字加 1 位校验码）";
    const year = +id.slice(6, 10), month = +id.slice(10, 12), day = +id.slice(12, 14);
    const born = new Date(Date.UTC(year, month - 1, day));
    if (year < 1900 || born.getUTCMonth() !== month - 1 || born.getUTCDate() !== day || born > new Date()) {
      return "身份证号中的出生日期无效";
    }
    let sum = 0;
    for (let i = 0; i < 17; i += 1) sum += (+id[i]) * ID_WEIGHTS[i];
    if (ID_CHECK[sum % 11] !== id[17]) return "身份证号校验码不正确，请核对";
    return "";
  }

  /** Say what is wrong with a mobile number, or "" when valid. */
  function phoneError(value) {
    const phone = (value || "").trim();
    if (!phone) return "请填写手机号";
    if (!/^1[3-9]\d{9}$/.test(phone)) return "手机号应为 11 位数字，以 13–19 开头";
    return "";
  }

  /** Make an element with a class and text. */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /** Show an error in a panel's alert box (the API's Chinese message), or hide the box. */
  function showAlert(box, error) {
    if (!error) { box.hidden = true; box.textContent = ""; return; }
    box.textContent = "";
    if (error.status === 401) {
      box.append("登录已过期，请");
      const link = el("a", "", "重新登录");
      link.href = window.WubanDesk.cfg.login_url;
      box.append(link);
    } else {
      box.textContent = error.message + (error.status ? "（" + error.status + "）" : "");
    }
    box.hidden = false;
  }

  /**
   * Put messages next to the fields they name. Each slot has data-error-for, a field path or a
   * prefix of one ("applicant.id_number", "delivery"); the longest match wins. Returns the
   * messages no slot took, for the panel's alert.
   */
  function showFieldErrors(root, fields) {
    // A slot in a closed sub-form takes nothing (the sub-forms share the "data" and "note" slots).
    const slots = Array.from(root.querySelectorAll("[data-error-for]")).filter(function (slot) {
      return !hiddenAncestor(slot, root);
    });
    const left = [];
    Object.keys(fields || {}).forEach(function (name) {
      let best = null;
      slots.forEach(function (slot) {
        const key = slot.dataset.errorFor;
        if ((name === key || name.startsWith(key + ".")) && (!best || key.length > best.dataset.errorFor.length)) best = slot;
      });
      if (best) {
        best.textContent = (best.hidden ? "" : best.textContent + "；") + fields[name];
        best.hidden = false;
      } else {
        left.push(name + "：" + fields[name]);
      }
    });
    return left;
  }

  function hiddenAncestor(node, root) {
    for (let parent = node.parentElement; parent && parent !== root; parent = parent.parentElement) {
      if (parent.hidden) return true;
    }
    return false;
  }

  function clearFieldErrors(root) {
    root.querySelectorAll("[data-error-for]").forEach(function (slot) { slot.hidden = true; slot.textContent = ""; });
  }

  /** Show an API error: the message in the alert box, a 400's fields next to the fields. */
  function showApiError(root, box, error) {
    if (error.status === 400 && error.details && error.details.fields) {
      const left = showFieldErrors(root, error.details.fields);
      showAlert(box, { message: error.message + (left.length ? "：" + left.join("；") : ""), status: 400 });
    } else {
      showAlert(box, error);
    }
  }

  /**
   * Open a case's document (PDF) in a new tab. The API wants the bearer token, so the PDF is fetched
   * as a blob; the tab is opened at the click, before the fetch, so no popup blocker stops it. When
   * no tab can be opened, a download link is offered in `fallback` instead.
   */
  async function printDocument(caseNo, kind, fallback) {
    const tab = window.open("", "_blank");
    if (tab) tab.document.title = "正在生成" + (DOCUMENT_NAMES[kind] || "文书") + "…";
    let response;
    try {
      response = await fetch("/api/v1/cases/" + encodeURIComponent(caseNo) + "/documents/" + kind, {
        headers: { Accept: "application/pdf", Authorization: "Bearer " + window.WubanDesk.cfg.token },
      });
    } catch (e) {
      if (tab) tab.close();
      throw { message: "网络连接失败，文书未能打开" };
    }
    if (!response.ok) {
      if (tab) tab.close();
      let error = { message: "文书未能打开", status: response.status };
      try { error = Object.assign((await response.json()).error, { status: response.status }); } catch (e) { /* not JSON */ }
      throw error;
    }
    const url = URL.createObjectURL(await response.blob());
    if (tab) {
      tab.location.href = url;
    } else if (fallback) {
      fallback.textContent = "浏览器阻止了新窗口：";
      const link = el("a", "", "下载" + (DOCUMENT_NAMES[kind] || "文书"));
      link.href = url;
      link.download = caseNo + "-" + kind + ".pdf";
      fallback.append(link);
      fallback.hidden = false;
    }
    setTimeout(function () { URL.revokeObjectURL(url); }, 10 * 60 * 1000);
    return url;
  }

  /** Today's date in the hall's time zone, as YYYY-MM-DD, moved by `days`. */
  function hallDate(days) {
    const tz = window.WubanDesk.cfg.tz;
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
    const date = new Date(today + "T00:00:00Z");
    date.setUTCDate(date.getUTCDate() + (days || 0));
    return date.toISOString().slice(0, 10);
  }

  // Every case panel closes with its 关闭 button as well as Esc.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("dialog.c-dialog [data-close]");
    if (button) button.closest("dialog").close();
  });

  window.WubanCases = {
    MODE_NAMES: MODE_NAMES,
    WINDOW_MODES: WINDOW_MODES,
    STATE_NAMES: STATE_NAMES,
    stateName: stateName,
    DOCUMENT_NAMES: DOCUMENT_NAMES,
    idNumberError: idNumberError,
    phoneError: phoneError,
    el: el,
    showAlert: showAlert,
    showApiError: showApiError,
    showFieldErrors: showFieldErrors,
    clearFieldErrors: clearFieldErrors,
    printDocument: printDocument,
    hallDate: hallDate,
  };
})();
