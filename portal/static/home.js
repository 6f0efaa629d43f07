/* The portal home: booking links of the halls, and the online applications this device holds a token for. */
import * as P from "./portal.js";

P.call(P.cfg.urls.halls).then(function (answer) {
  if (!answer.ok || !answer.data.length) return;
  P.$("booking-list").replaceChildren(...answer.data.map(function (hall) {
    return P.el("li", {}, [P.el("a", { href: P.url("book_page", hall.code), textContent: hall.name })]);
  }));
  P.$("booking").hidden = false;
});

const numbers = P.tokens.caseNumbers();
if (numbers.length) {
  P.$("mine-list").replaceChildren(...numbers.map(function (caseNo) {
    return P.el("li", {}, [P.el("a", { href: P.url("application_page", caseNo), textContent: caseNo })]);
  }));
  P.$("mine").hidden = false;
}
