// Live events from WS /ws: one socket per page, reconnection with backoff, "connected" callbacks for catch-up.
// Page scripts (the shell's and the plugins') take the page's one Live with pageLive(), so a page never opens
// two sockets: each socket costs the server a connection and the browser a second copy of every event.

import { api } from "./api.js";

const MAX_DELAY_MS = 30000;
// Close code of a node that stops (kernel/live_socket.py): another node, or this one restarted, is there at
// once; every page must not come back in the same millisecond, so each waits a random moment within this.
const SERVICE_RESTART = 1012;
const RESTART_SPREAD_MS = 1500;

let shared = null;

/** The page's one Live, created (and connected) on the first call. */
export function pageLive() {
  if (shared === null) shared = new Live();
  return shared;
}

export class Live {
  constructor() {
    this.handlers = new Map();
    this.connectedHandlers = new Set();
    this.attempt = 0;
    this.timer = null;
    this.ws = null;
    this.connected = false;  // the server's hello came on this.ws
    this.status = document.getElementById("live-status");
    window.addEventListener("online", () => this.retryNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.retryNow();
    });
    this.connect();
  }

  /** Listen to one event type ("message.created"...), or "*" for all. */
  on(type, handler) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(handler);
    return this;
  }

  /**
   * Called each time the socket is (re)connected, and when the server says events were dropped:
   * the page then fetches what it may have missed, since events are not replayed. A script that subscribes
   * once the shared socket is already connected is called at once too: it missed that connection, and the
   * events sent before its handlers were there.
   */
  onConnected(handler) {
    this.connectedHandlers.add(handler);
    if (this.connected) queueMicrotask(() => { if (this.connected && this.connectedHandlers.has(handler)) handler(); });
    return this;
  }

  /** Send a message up the socket; false when it is not connected now (the caller retries or tells the user). */
  send(message) {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  connect() {
    clearTimeout(this.timer);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws`);
    this.ws = ws;
    ws.addEventListener("message", (event) => this.receive(event));
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.connected = false;
      this.setState("disconnected");
      if (event.code === 1008) api("me");  // refused: if the session ended, api() goes to the login page
      if (event.code === SERVICE_RESTART) {
        this.attempt = 0;  // not a failure: no backoff, and nothing to tell the user about yet
        this.timer = setTimeout(() => this.connect(), Math.random() * RESTART_SPREAD_MS);
        return;
      }
      this.scheduleReconnect();
    });
  }

  receive(event) {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message.type === "hello") {
      this.attempt = 0;
      this.connected = true;
      this.setState("connected");
      this.fireConnected();
      return;
    }
    if (message.type === "resync") {
      this.fireConnected();
      return;
    }
    if (message.type === "ping") return;
    for (const key of [message.type, "*"]) {
      for (const handler of this.handlers.get(key) || []) {
        try {
          handler(message);
        } catch (err) {
          console.error("live handler failed", message.type, err);
        }
      }
    }
  }

  fireConnected() {
    for (const handler of this.connectedHandlers) handler();
  }

  scheduleReconnect() {
    // Exponential backoff with jitter, so a restarted server is not hit by every browser at once.
    const base = Math.min(MAX_DELAY_MS, 1000 * 2 ** this.attempt);
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  retryNow() {
    if (this.ws === null) {
      this.attempt = 0;
      this.connect();
    }
  }

  setState(state) {
    document.body.dataset.live = state;
    if (!this.status) return;
    // Only speak up once a reconnection was needed: a first connection is too quick to mention.
    const lost = state === "disconnected" && this.attempt >= 1;
    this.status.hidden = !lost;
    this.status.textContent = lost ? "Connexion perdue. Reconnexion en cours… Les nouveaux messages apparaîtront dès le retour de la connexion." : "";
  }
}
