// Keeps the field app's page and assets on the phone so it opens with no connection.
// API calls are never cached here: the page keeps its data in IndexedDB itself.
'use strict';
// The server writes the assets' digests into this file: a new version of any of them is a new
// worker, which installs the new files and drops the old cache.
var CACHE = 'cds-field-{{version}}';
var ASSETS = ['/assets/field.js', '/assets/field.css', '/assets/style.css', '/assets/app.js',
  '/manifest.webmanifest', '/assets/icon-192.png', '/assets/icon-512.png'];

function cachePage(cache) {
  // Only a real page: a redirect to the login form must not be kept as the app.
  return fetch('/field', { credentials: 'same-origin', redirect: 'manual' }).then(function (res) {
    if (res.ok && res.type === 'basic') return cache.put('/field', res);
  });
}

self.addEventListener('install', function (ev) {
  ev.waitUntil(caches.open(CACHE).then(function (c) {
    return c.addAll(ASSETS).then(function () { return cachePage(c); });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (ev) {
  ev.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('fetch', function (ev) {
  var req = ev.request;
  if (req.method !== 'GET') return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate' && url.pathname === '/field') {
    // Network first, so a new version and an expired session show; the copy when offline.
    ev.respondWith(fetch(req).then(function (res) {
      if (res.ok && !res.redirected) {
        var copy = res.clone();
        caches.open(CACHE).then(function (c) { c.put('/field', copy); });
      }
      return res;
    }).catch(function () {
      return caches.match('/field').then(function (hit) {
        return hit || new Response('<!doctype html><meta charset="utf-8"><p>Không có kết nối và chưa có bản lưu của ứng dụng.</p>',
          { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
      });
    }));
    return;
  }
  // Hashed asset names never change content: the copy on the phone is always right.
  if (url.pathname.indexOf('/assets/') === 0 || url.pathname === '/manifest.webmanifest') {
    ev.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        if (res.ok) { var copy = res.clone(); caches.open(CACHE).then(function (c) { c.put(req, copy); }); }
        return res;
      });
    }));
  }
});
