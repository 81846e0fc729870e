// The few lines of script the pages use. Everything works without them; with them a
// form cannot be sent twice by a double click (the server would apply it once anyway:
// each form carries an idempotency key).
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-once")) return;
  if (form.dataset.sent === "1") {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
  form.setAttribute("aria-busy", "true");
  // Disabled after the browser has collected the form's data, so the button still counts.
  setTimeout(function () {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
      button.disabled = true;
    });
  }, 0);
});
// Coming back to a page from the browser's history must not leave its buttons dead.
window.addEventListener("pageshow", function (event) {
  if (!event.persisted) return;
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.dataset.sent = "";
    form.removeAttribute("aria-busy");
    form.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
  });
});
// The service worker: the offline page when a page cannot be loaded, and the static files
// without signal (static/sw.js; visits kept on the device: static/visit-queue.js).
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch(function () {});
}
