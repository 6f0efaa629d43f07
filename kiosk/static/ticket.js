/* The ticket taken at the kiosk: number, people ahead, wait, QR of its status page; printed, then back to the start. */
import { $ } from "/static/js/dom.js";
import { api, cfg, state, urlFor } from "./context.js";

let onTimeUp = function () {};

/** Say what to do when the ticket's countdown ends (back to the start screen). */
export function whenTimeUp(callback) { onTimeUp = callback; }

export function showTicket(ticket, serviceName) {
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
  // The QR code, the printable ticket and the printer need the ticket's rating token (its holder's).
  const holder = "?k=" + encodeURIComponent(ticket.rating_token || "");
  $("t-qr").src = urlFor(cfg.urls.qr, ticket.id) + holder;
  $("t-qr").dataset.statusUrl = statusPath;
  // Under the QR code, the very address it carries (KIOSK_PUBLIC_URL's, with the token), not this screen's.
  $("t-url").textContent = urlFor(cfg.urls.status_public, ticket.id) + holder;
  $("ticket-card").classList.toggle("is-priority", priority);

  const printLink = $("t-print");
  printLink.href = urlFor(cfg.urls.printable, ticket.id) + holder;
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
    const holder = "?k=" + encodeURIComponent(ticket.rating_token || "");
    await api("POST", urlFor(cfg.urls.print, ticket.id) + holder);
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

export function printInBrowser(event) {
  event.preventDefault();
  event.stopPropagation();
  $("print-frame").src = $("t-print").href;   // the page prints itself when loaded
  $("t-print-status").textContent = "正在打印…请在出纸口取走小票";
  $("t-print-status").className = "k-print-status";
  startTicketTimer();
}

export function startTicketTimer() {
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
    if (left <= 0) onTimeUp();
  };
  update();
  state.ticketTimer = setInterval(update, 250);
}

export function stopTicketTimer() {
  if (state.ticketTimer) clearInterval(state.ticketTimer);
  state.ticketTimer = null;
}

