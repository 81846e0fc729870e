// The service worker (served from /sw.js, so its scope is the whole site). It keeps only the
// static files and the offline page, which holds no client data and no session; pages with
// client data always come from the network and are never kept (they are "no-store"). When a
// page cannot be loaded, the offline page stands in for it: its script lists the visits
// waiting on this device (by case reference) and sends them when the network is back.
"use strict";
var CACHE = "pathway-static-v1";
var OFFLINE = "/offline";
var STATIC = ["/static/style.css", "/static/app.js", "/static/visit-queue.js", "/static/favicon.svg"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(STATIC.concat([OFFLINE])); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// The network first (a new version of a file is used at once), the kept copy without one.
function staticFile(request) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function () { return caches.match(request); });
}

// A page from the network; without one, the offline page. After a change of language the
// offline page is kept again, in the new language.
function page(request, url) {
  return fetch(request).then(function (response) {
    if (url.pathname.indexOf("/lang/") === 0) caches.open(CACHE).then(function (cache) { return cache.add(OFFLINE); });
    return response;
  }).catch(function () { return caches.match(OFFLINE); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") event.respondWith(page(request, url));
  else if (request.method === "GET" && STATIC.indexOf(url.pathname) !== -1) event.respondWith(staticFile(request));
});
