/* Rectification of bad ratings: list the hall's items, assign them, add follow-up notes, close them. */
import * as R from "./reports.js";
import { $, el, showError } from "/static/js/dom.js";

function subject(rating) {
  if (rating.ticket) {
    return "号票 " + rating.ticket.number + "（" + rating.ticket.queue_name + "）" +
      (rating.window ? " · " + rating.window.name : "") + (rating.clerk ? " · " + rating.clerk.name : "");
  }
  return "办件 " + rating.case.case_no + "（" + rating.case.service_name + " · " + rating.case.department_name + "）" +
    (rating.clerk ? " · 受理人 " + rating.clerk.name : "");
}

// The people the items name (the rated clerk, the assignee), offered when choosing an assignee; a name
// typed instead of a username is taken for that person's username.
const people = new Map();   // username -> name
function learn(person) { if (person && person.username) people.set(person.username, person.name); }
function drawPeople() {
  $("r-people").replaceChildren(...Array.from(people, function (entry) {
    return el("option", { value: entry[0], label: entry[1] + "（" + entry[0] + "）" });
  }));
}
function username(typed) {
  for (const [user, name] of people) if (name === typed) return user;
  return typed;
}

// Say why an action was refused: the field's own message (不是本大厅的工作人员：…), not only 请求参数有误.
function reason(error) {
  const fields = (error.details && error.details.fields) || {};
  const messages = Object.keys(fields).map(function (key) { return fields[key]; });
  return messages.length ? messages.join("；") : error;
}

function form(item, trigger, label, field, placeholder) {
  const box = el("form", "r-act");
  box.dataset.trigger = trigger;
  const input = el(field === "assignee" ? "input" : "textarea");
  input.name = field;
  input.placeholder = placeholder;
  input.required = true;
  input.setAttribute("aria-label", placeholder);
  if (field === "assignee") {
    input.setAttribute("list", "r-people");
    input.autocomplete = "off";
    if (!item.assignee && item.rating.clerk) input.value = item.rating.clerk.username;  // the rated clerk first
  }
  const button = el("button", null, label);
  button.type = "submit";
  const error = el("p", { className: "r-act-error", role: "alert", hidden: true });
  box.append(input, button, error);
  box.addEventListener("submit", async function (event) {
    event.preventDefault();
    showError($("r-error"), null);
    showError(error, null);
    const body = {};
    body[field] = field === "assignee" ? username(input.value.trim()) : input.value.trim();
    button.disabled = true;
    try {
      const path = "/rectifications/" + item.id + "/" + trigger.replace("_", "-");
      const answer = await (await R.call(path, { method: "POST", json: body })).json();
      learn(answer.assignee);
      drawPeople();
      box.closest("li").replaceWith(render(answer));
    } catch (failure) {
      showError(error, reason(failure));
      button.disabled = false;
    }
  });
  return box;
}

function render(item) {
  const li = el("li", "r-item");
  li.dataset.id = item.id;
  li.dataset.state = item.state;
  const head = el("div", "r-item-head");
  head.append(
    el("span", "r-grade g" + item.rating.grade, item.rating.grade + "分 " + item.rating.grade_name),
    el("span", "r-state", item.state_name),
    el("span", item.overdue ? "r-deadline is-overdue" : "r-deadline", "整改期限 " + item.deadline + (item.overdue ? "（已逾期）" : "")),
  );
  li.append(head, el("p", "r-subject", subject(item.rating)),
    el("p", "r-comment", item.rating.comment ? "“" + item.rating.comment + "”" : "（未填写意见）"),
    el("p", "r-meta", item.rating.created_at.slice(0, 16).replace("T", " ") + " · " + item.rating.channel_name +
      (item.assignee ? " · 责任人 " + item.assignee.name : "")));
  const history = el("ol", "r-history");
  item.history.forEach(function (h) {
    history.appendChild(el("li", null, h.at.slice(5, 16).replace("T", " ") + " " + h.trigger_name +
      (h.actor_name ? "（" + h.actor_name + "）" : "") + (h.note ? "：" + h.note : "")));
  });
  li.appendChild(history);
  if (item.action) li.appendChild(el("p", "r-action", "整改措施：" + item.action));
  const acts = el("div", "r-acts");
  if (item.allowed_triggers.includes("assign")) acts.appendChild(form(item, "assign", item.assignee ? "改派" : "分派", "assignee", "责任人（用户名或姓名）"));
  if (item.allowed_triggers.includes("follow_up")) acts.appendChild(form(item, "follow_up", "记录跟进", "note", "督办跟进情况"));
  if (item.allowed_triggers.includes("close")) acts.appendChild(form(item, "close", "整改办结", "action", "整改措施和结果"));
  li.appendChild(acts);
  return li;
}

async function load() {
  showError($("r-error"), null);
  const state = $("r-state").value;
  let path = "/rectifications?hall=" + R.cfg.hall + "&limit=200";
  if (state) path += "&state=" + state;
  if ($("r-overdue").checked) path += "&overdue=true";
  try {
    const answer = await (await R.call(path)).json();
    const items = state ? answer.items : answer.items.filter(function (i) { return i.state !== "closed"; });
    answer.items.forEach(function (item) { learn(item.rating.clerk); learn(item.assignee); });
    drawPeople();
    $("r-items").innerHTML = "";
    items.forEach(function (item) { $("r-items").appendChild(render(item)); });
    $("r-empty").hidden = items.length > 0;
    $("r-count").textContent = "共 " + items.length + " 项";
  } catch (error) {
    showError($("r-error"), error);
  }
}

$("r-state").addEventListener("change", load);
$("r-overdue").addEventListener("change", load);
load();
