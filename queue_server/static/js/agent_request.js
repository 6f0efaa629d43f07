/*
 * agent_request.js — the citizen's 申请代办 / 上门办理 form, shared by the portal's guide, the booking
 * page and the kiosk: name, phone, the hall whose agents should take it, an address, a home visit and
 * why (高龄、残疾、患病、其他), a note. It posts POST /api/v1/public/agent-requests and shows the case
 * number and the progress page. Field errors of the answer are shown beside their fields.
 *
 *   import { agentRequestForm } from "/static/js/agent_request.js";
 *   agentRequestForm(box, { service: "MZ-004", halls: [{code, name}], hall: "jinse", channel: "portal" });
 */
import { createClient } from "/static/js/api.js";
import { el } from "/static/js/dom.js";

const REASONS = [["elderly", "高龄"], ["disabled", "残疾"], ["ill", "患病"], ["other", "其他"]];
const PHONE = /^1[3-9]\d{9}$/;

function field(prefix, id, label, input) {
  input.id = prefix + "-" + id;
  return el("label", { className: "ar-field", htmlFor: input.id }, [el("span", null, label), input]);
}

/** Build the form in the box; options: service, halls [{code, name}], hall (preselected), channel, onDone. */
export function agentRequestForm(box, options) {
  const api = createClient({});
  const p = options.prefix || "ar";
  const name = el("input", { maxLength: 50, autocomplete: "name", required: true });
  const phone = el("input", { type: "tel", inputMode: "numeric", maxLength: 11, autocomplete: "tel", required: true });
  const hall = el("select", null, options.halls.map(function (h) { return el("option", { value: h.code }, h.name); }));
  if (options.hall) hall.value = options.hall;
  const address = el("input", { maxLength: 200, autocomplete: "street-address" });
  const home = el("input", { type: "checkbox", id: p + "-home" });
  const reasons = REASONS.map(function (pair) {
    return el("label", { className: "ar-check" }, [el("input", { type: "checkbox", value: pair[0], name: p + "-reason" }), " " + pair[1]]);
  });
  const reasonBox = el("fieldset", { className: "ar-reasons", hidden: true }, [el("legend", null, "上门办理的原因"), ...reasons]);
  const note = el("textarea", { rows: 2, maxLength: 1000 });
  const error = el("p", { className: "ar-error", role: "alert", hidden: true });
  const done = el("div", { className: "ar-done", role: "status", hidden: true });
  const submit = el("button", { type: "submit", className: options.buttonClass || "p-button", id: p + "-submit" }, "提交申请");
  home.addEventListener("change", function () { reasonBox.hidden = !home.checked; });
  const form = el("form", { className: "ar-form", noValidate: true }, [
    field(p, "name", "姓名", name),
    field(p, "phone", "手机号码（代办员将与您联系）", phone),
    options.halls.length > 1 ? field(p, "hall", "由哪个服务站点的代办员办理", hall) : null,
    field(p, "address", "地址（上门办理必填）", address),
    el("label", { className: "ar-check", htmlFor: home.id }, [home, " 需要上门办理"]),
    reasonBox,
    field(p, "note", "补充说明（选填）", note),
    error, submit,
  ]);
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    error.hidden = true;
    if (!name.value.trim() || !PHONE.test(phone.value.trim())) {
      error.textContent = "请填写姓名和11位手机号码";
      error.hidden = false;
      return;
    }
    const body = {
      hall: hall.value || options.hall, service: options.service,
      applicant: { name: name.value.trim(), phone: phone.value.trim() },
      home_visit: home.checked, channel: options.channel,
    };
    if (address.value.trim()) body.address = address.value.trim();
    if (note.value.trim()) body.note = note.value.trim();
    if (home.checked) {
      body.reasons = reasons.map(function (l) { return l.querySelector("input"); })
        .filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
    }
    submit.disabled = true;
    try {
      const answer = await api("POST", "/public/agent-requests", body);
      form.hidden = true;
      done.replaceChildren(
        el("p", null, ["已提交，办件编号 ", el("strong", { id: p + "-case-no" }, answer.case_no)]),
        el("p", null, "代办员将尽快电话联系您" + (body.home_visit ? "，约定上门时间" : "") + "；短信已发送到您的手机。"),
        el("a", { href: answer.progress_url, className: "ar-link" }, "查询办理进度"),
      );
      done.hidden = false;
      if (options.onDone) options.onDone(answer);
    } catch (failure) {
      const fields = failure.details && failure.details.fields;
      error.textContent = fields ? Object.values(fields).join("；") : failure.message;
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  box.replaceChildren(form, done);
  return form;
}
