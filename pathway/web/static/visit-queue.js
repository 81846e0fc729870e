// A visit logged without signal, or after the session expired during a long visit, is not
// lost: it is kept on this device (IndexedDB) with the idempotency key its form was given,
// shown as "waiting to send", and sent when the network is back (the "online" event, or the
// next page load at the latest) or the person has signed in again — to the same case, as the
// person who logged it, with a fresh CSRF token of the live session. Sent, it is removed;
// signing out removes every kept visit. Nothing else is kept: pages with client data are
// never cached. The server applies a key once, so a visit sent twice is recorded once.
"use strict";
(function () {
  var STORE = "visits";

  // ------------------------------------------------------------------ the queue (IndexedDB)
  function database() {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open("pathway-visits", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore(STORE, { keyPath: "key" }); };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }

  function transaction(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  var queue = {
    all: function () { return transaction("readonly", function (s) { return s.getAll(); }); },
    keep: function (entry) { return transaction("readwrite", function (s) { return s.put(entry); }); },
    remove: function (key) { return transaction("readwrite", function (s) { return s.delete(key); }); },
    clear: function () { return transaction("readwrite", function (s) { return s.clear(); }); },
  };

  // ------------------------------------------------------------------ sending one visit
  function json(response) {
    return response.json().catch(function () { return {}; });
  }

  // What became of a kept visit: "sent" (with where to go), "waiting" (no network, or the
  // server not answering), "sign_in" (no live session), "other" (another person's session:
  // it waits for its author), or "refused" (with the reason in words).
  function deliver(entry) {
    var asked = { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } };
    return fetch("/session", asked).then(json).then(function (session) {
      if (!session.signed_in) return { kind: "sign_in" };
      if (entry.staff && session.staff !== entry.staff) return { kind: "other" };
      var body = new URLSearchParams(entry.fields);
      body.set("csrf", session.csrf);
      body.set("key", entry.key);
      var sent = { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } };
      return fetch(entry.action, sent).then(function (response) {
        return json(response).then(function (answer) {
          if (response.ok) return { kind: "sent", location: answer.location };
          if (response.status === 401 || answer.code === "csrf_refused") return { kind: "sign_in" };
          if (response.status >= 500 || !answer.code) return { kind: "waiting" };
          return { kind: "refused", code: answer.code, reason: answer.message || answer.code, csrf: session.csrf };
        });
      });
    }).catch(function () { return { kind: "waiting" }; });
  }

  function settle(entry, outcome) {
    if (outcome.kind === "sent") return queue.remove(entry.key);
    if (outcome.kind === "other") return Promise.resolve();
    entry.state = outcome.kind;
    entry.code = outcome.code || null;
    entry.reason = outcome.reason || null;
    return queue.keep(entry);
  }

  // Every kept visit of the person signed in, one after another; then back to the case the
  // page shows if one of them was its visit (the page then lists it). The offline page is
  // loaded again when the network comes back (only then: a server still out of reach must
  // not make it reload itself over and over).
  var sending = null;
  function sendAll(event) {
    var online = Boolean(event && event.type === "online");
    if (sending) return sending;
    var here = null;
    sending = queue.all().then(function (entries) {
      return entries.reduce(function (done, entry) {
        return done.then(function () {
          if (entry.state === "refused") return;
          return deliver(entry).then(function (outcome) {
            if (outcome.kind === "sent" && entry.page === location.pathname) here = outcome.location;
            return settle(entry, outcome);
          });
        });
      }, Promise.resolve());
    }).catch(function () {}).then(function () {
      sending = null;
      if (here) goTo(here);
      else if (online && document.querySelector("[data-offline-page]")) location.reload();
      else show();
    });
    return sending;
  }

  // To the page that shows the sent visit; loaded again when it is this one (an assign that
  // only differs by "#top" would not load it).
  function goTo(target) {
    var url = new URL(target, location.href);
    if (url.pathname + url.search === location.pathname + location.search) location.reload();
    else location.assign(url.href);
  }

  // ------------------------------------------------------------------ what the page shows
  function show() {
    var box = document.getElementById("visit-queue");
    if (!box) return;
    queue.all().then(function (entries) {
      var mine = entries.filter(function (e) { return !box.dataset.staff || e.staff === box.dataset.staff; });
      var list = box.querySelector("ul");
      list.textContent = "";
      mine.forEach(function (entry) { list.appendChild(item(box, entry)); });
      box.hidden = mine.length === 0;
    }).catch(function () {});
  }

  function item(box, entry) {
    var li = document.createElement("li");
    var text = box.dataset.item.replace("{ref}", entry.ref);
    if (entry.state === "sign_in") text += " — " + box.dataset.signIn;
    if (entry.state === "refused") text += " — " + box.dataset.refused.replace("{reason}", entry.reason);
    li.textContent = text;
    if (entry.state === "refused") {
      if (entry.code === "visit_repeated") {
        li.appendChild(button(box.dataset.another, function () {
          entry.fields.repeat = "on";
          entry.state = "waiting";
          queue.keep(entry).then(sendAll);
        }));
      }
      li.appendChild(button(box.dataset.discard, function () { queue.remove(entry.key).then(show); }));
    }
    return li;
  }

  function button(label, act) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "link";
    b.textContent = label;
    b.addEventListener("click", act);
    return b;
  }

  // ------------------------------------------------------------------ the visit form
  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  function entryOf(form) {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf" && name !== "key") fields[name] = value;
    });
    var staff = document.getElementById("visit-queue");
    return {
      key: form.elements.key.value,
      action: form.getAttribute("action"),
      page: location.pathname,
      ref: form.dataset.caseRef,
      staff: staff ? staff.dataset.staff : "",
      fields: fields,
      state: "waiting",
      kept_at: new Date().toISOString(),
    };
  }

  // The browser sends the form itself: the page answers as it always did (a refusal in
  // words, the form as it was sent).
  function sendAsPage(form, csrf) {
    if (csrf) form.elements.csrf.value = csrf;
    HTMLFormElement.prototype.submit.call(form);
  }

  function kept(form, entry, outcome) {
    if (outcome.kind === "sign_in") {
      location.assign("/login?expired=1&next=" + encodeURIComponent(location.pathname));
      return;
    }
    form.reset();
    form.elements.key.value = newKey();  // the next visit is another command
    form.dataset.sending = "";
    form.removeAttribute("aria-busy");
    show();
  }

  function onSubmit(event) {
    var form = event.currentTarget;
    event.preventDefault();
    event.stopPropagation();  // this script guards against a second submit itself
    if (form.dataset.sending === "1") return;
    form.dataset.sending = "1";
    form.setAttribute("aria-busy", "true");
    var entry = entryOf(form);
    queue.keep(entry).then(function () {
      return deliver(entry).then(function (outcome) {
        if (outcome.kind === "sent") return queue.remove(entry.key).then(function () { goTo(outcome.location); });
        if (outcome.kind === "refused") return queue.remove(entry.key).then(function () { sendAsPage(form, outcome.csrf); });
        return settle(entry, outcome).then(function () { kept(form, entry, outcome); });
      });
    }).catch(function () { sendAsPage(form); });  // no IndexedDB here: as without this script
  }

  function signOut(event) {
    var form = event.currentTarget;
    event.preventDefault();
    queue.clear().catch(function () {}).then(function () { HTMLFormElement.prototype.submit.call(form); });
  }

  document.querySelectorAll("form[data-queue]").forEach(function (form) { form.addEventListener("submit", onSubmit); });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-queue]").forEach(function (form) {
      form.dataset.sending = "";
      form.removeAttribute("aria-busy");
    });
  });
  document.querySelectorAll("form[data-clears-queue]").forEach(function (form) { form.addEventListener("submit", signOut); });
  if (!window.indexedDB) return;
  if (document.querySelector("[data-clear-queue]")) queue.clear().catch(function () {}).then(show);
  else sendAll();
  window.addEventListener("online", sendAll);
})();
