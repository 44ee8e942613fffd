// bedstretch service worker (served at /sw.js so it covers every page).
// Network first, so online is always fresh; what the player needs is kept for when the network
// goes away: the app shell (player pages, css, js), the routines, timelines, rules and figures.
// Nothing personal (history, progress, sessions) is cached. Posts are never touched: the page
// queues session events itself and sends them again when online.
'use strict';
const CACHE = 'bedstretch-__VERSION__';
const SHELL = ['app.css', 'app.js', 'playback.js', 'player.js'].map(
  (name) => `/static/${name}?v=__VERSION__`,
);
const KEEP = [
  /^\/static\//,
  /^\/play\//,
  /^\/api\/v1\/rules$/,
  /^\/api\/v1\/routines$/,
  /^\/api\/v1\/routines\/[^/]+\/timeline$/,
  /^\/api\/v1\/exercises\/[^/]+\/figure\.svg$/,
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (!KEEP.some((pattern) => pattern.test(url.pathname))) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && !response.redirected && response.type === 'basic') {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() => caches.match(request).then((hit) => hit || Response.error())),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'forget') event.waitUntil(caches.delete(CACHE));
});
