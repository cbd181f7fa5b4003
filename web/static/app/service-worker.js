// The platform's service worker, served at /service-worker.js (scope: the whole site) after a CONFIG line
// the server writes (web/pwa.py): the shell's static files of this release, kept at install so the app
// starts fast, and a French offline page for a page asked while the network is gone.
// It never keeps an API answer nor a page: those carry patients' data, and a shared workstation must
// not hold them (the server sends them with Cache-Control: no-store). Anything it does not handle goes
// to the network untouched.
/* global CONFIG */

const CACHE = `relais-${CONFIG.version}`;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(CONFIG.precached);
    await self.skipWaiting();  // a new release takes over at once: its pages ask for its own files
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    // The previous releases' files are never asked again (their URLs carry their version).
    for (const name of await caches.keys()) {
      if (name.startsWith("relais-") && name !== CACHE) await caches.delete(name);
    }
    // Pages are asked of the network while the worker starts, not after (it only answers them when offline).
    if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
    await self.clients.claim();
  })());
});

/** A static file: its URL names its content's version, so a kept copy is always right. */
async function staticFile(request) {
  const cache = await caches.open(CACHE);
  if (!CONFIG.networkFirst) {
    const kept = await cache.match(request);
    if (kept) return kept;
  }
  try {
    const response = await fetch(request);
    // Plugins' files too, as they are asked; only complete same-origin answers.
    if (response.ok && response.type === "basic" && response.status === 200) await cache.put(request, response.clone());
    return response;
  } catch (err) {
    const kept = await cache.match(request);
    if (kept) return kept;
    throw err;
  }
}

/** A page: always from the network; the offline page only when the network is gone. */
async function page(event) {
  try {
    const preloaded = await event.preloadResponse;
    if (preloaded) return preloaded;
    return await fetch(event.request);
  } catch (err) {
    const offline = await caches.match(CONFIG.offline);
    if (offline) return offline;
    throw err;
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.startsWith(CONFIG.staticPrefix)) {
    event.respondWith(staticFile(request));
  }
  // Everything else (the API, attachments, the socket) is the browser's own business: no copy kept.
});

self.addEventListener("notificationclick", (event) => {
  // Notifications are shown by the page (notifications.js); one shown through the worker opens its thread.
  event.notification.close();
  const target = new URL(event.notification.data?.url || "/", self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const open = windows.find((client) => client.url === target) || windows[0];
    if (open) {
      await open.focus();
      if (open.url !== target) await open.navigate(target);
      return;
    }
    await self.clients.openWindow(target);
  })());
});
