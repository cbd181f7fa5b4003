// The visio's scripts (the banner and the call page) use the page's one live socket: they receive the visio's
// events on it and send the call's signalling up it.

import { pageLive } from "relais/live.js";

export const live = pageLive();

/** Send a message up the socket; false when it is not connected now (the caller retries or tells the user). */
export function sendUp(message) {
  return live.send(message);
}

/** Resolves once the socket is connected (the server's hello came), at once if it already is. */
export function connected() {
  if (live.connected) return Promise.resolve();
  return new Promise((resolve) => {
    const once = () => { live.connectedHandlers.delete(once); resolve(); };
    live.onConnected(once);
  });
}
