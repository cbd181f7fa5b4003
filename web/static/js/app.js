// The installable app, on every page (the sign-in page too): the service worker at the site's root
// (/service-worker.js, web/pwa.py) keeps the shell's files for a fast start and shows a French page
// offline. A browser without service workers (or a private window refusing them) simply goes without.

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/service-worker.js", { scope: "/" }).catch((err) => {
    console.warn("service worker not registered", err);
  });
}
