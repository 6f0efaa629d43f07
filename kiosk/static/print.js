/* The printable ticket prints itself once its QR code has loaded (or failed, or after 2 s). */
(function () {
  var printed = false;
  function go() { if (!printed) { printed = true; window.print(); } }
  var qr = document.getElementById("qr");
  if (qr.complete) { go(); } else { qr.addEventListener("load", go); qr.addEventListener("error", go); setTimeout(go, 2000); }
})();
