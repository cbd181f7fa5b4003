// One live socket for the visio's scripts of a page (the banner and the call page share it: a module is loaded
// once per URL). It receives the visio's events and sends the call's signalling up.

import { Live } from "relais/live.js";

export const live = new Live();

/** Send a message up the socket; false when it is not connected now (the caller retries or tells the user). */
export function sendUp(message) {
  const ws = live.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(message));
  return true;
}

/** Resolves once the socket is connected (the server's hello came), at once if it already is. */
export function connected() {
  if (document.body.dataset.live === "connected" && live.ws && live.ws.readyState === WebSocket.OPEN) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const once = () => { live.connectedHandlers.delete(once); resolve(); };
    live.onConnected(once);
  });
}
