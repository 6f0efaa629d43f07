/* The life events (主题式 一件事): the bundles of the item list (GET /api/v1/services?mode=bundle). */
import { $ } from "/static/js/dom.js";
import { promisedText } from "/static/js/time.js";
import * as P from "./portal.js";

(async function () {
  const answer = await P.call(P.cfg.urls.services + "?mode=bundle");
  if (!answer.ok) { P.show($("error"), answer.message); return; }
  $("events").replaceChildren(...answer.data.map(function (item) {
    return P.el("li", { dataset: { code: item.code } }, [
      P.el("a", { className: "o-item", href: P.url("event_page", item.code) }, [
        P.el("strong", { textContent: item.name }),
        P.el("small", { textContent: "包含 " + item.parts.length + " 个事项 · 全程" + promisedText(item.promised_days) }),
      ]),
    ]);
  }));
  if (!answer.data.length) P.show($("error"), "暂无可办理的一件事");
})();
