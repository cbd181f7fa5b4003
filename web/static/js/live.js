// Live events from WS /ws: one socket per page, reconnection with backoff, "connected" callbacks for catch-up.
// Page scripts (the shell's and the plugins') take the page's one Live with pageLive(), so a page never opens
// two sockets: each socket costs the server a connection and the browser a second copy of every event.
//
// Delivery contract (the server's side is written in kernel/live_socket.py):
// - A socket delivers each event at most once, but the page is not the socket: events are not replayed on a new
//   socket, and one event may come on two. After a restart (close 1012) the page moves to another node, which
//   may still be hearing an event the old node delivered just before closing (each node hears the others'
//   events a moment later): the new socket brings it again.
// - So Live hands each event that has an identity of its own (ONCE_KEYS: a message.created, by its message id) to
//   the page's handlers once, whichever socket brought it: a desktop notification, a counter, a list never see
//   it twice. Other events (updates, statuses, receipts) make handlers reload or set what they show, which a
//   repeat leaves as it was.
// - What a page missed while no socket was open it reads from the API in its onConnected handlers (after the
//   last message it shows); the answer may hold what a socket delivers too, so a page keeps what it shows keyed
//   by id (thread.js shows a message id once, whether it came live or from a catch-up).

import { api } from "./api.js";

const MAX_DELAY_MS = 30000;
// Close code of a node that stops (kernel/live_socket.py): another node, or this one restarted, is there at
// once; every page must not come back in the same millisecond, so each waits a random moment in this window,
// reconnected within RESTART_LATEST_MS.
const SERVICE_RESTART = 1012;
const RESTART_EARLIEST_MS = 300;
const RESTART_LATEST_MS = 1500;
// A socket that stayed open this long worked: the next failure starts the backoff again from its first step. A
// node that keeps restarting, or refusing just after the hello, makes the waits grow like any failure.
const STABLE_MS = 10000;
// Events handed to the page once, by their identity; the last SEEN_LIMIT identities are remembered.
const ONCE_KEYS = {
  "message.created": (event) => event.data?.id,
};
const SEEN_LIMIT = 2000;

/**
 * How long to wait before reconnecting, in ms: `attempt` counts the reconnections since the last socket that
 * stayed open STABLE_MS (0: the first). A restart (1012) on the first attempt comes back within the restart
 * window; anything else, and every later attempt, waits an exponential backoff with jitter (a random moment
 * in the second half of 1 s, 2 s, 4 s... capped at 30 s), so a restarted fleet is not hit by every page at once.
 */
export function reconnectDelay(code, attempt, random = Math.random) {
  if (code === SERVICE_RESTART && attempt === 0) {
    return RESTART_EARLIEST_MS + random() * (RESTART_LATEST_MS - RESTART_EARLIEST_MS);
  }
  const base = Math.min(MAX_DELAY_MS, 1000 * 2 ** attempt);
  return base / 2 + random() * (base / 2);
}

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
    this.attempt = 0;  // reconnections since the last socket that stayed open (see reconnectDelay)
    this.failures = 0;  // sockets that closed before their hello, since the last hello: the notice speaks up
    this.timer = null;
    this.ws = null;
    this.connected = false;  // the server's hello came on this.ws
    this.connectedAt = 0;
    this.seen = new Set();  // identities of the events handed over once (ONCE_KEYS), oldest first
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
      // A node on its way out sends a new socket away before its hello (1012): not a failure to tell the user
      // about, though a page sent away again and again still backs off.
      if (!this.connected && event.code !== SERVICE_RESTART) this.failures += 1;
      else if (this.connected && performance.now() - this.connectedAt >= STABLE_MS) this.attempt = 0;
      this.ws = null;
      this.connected = false;
      this.setState("disconnected");
      if (event.code === 1008) api("me");  // refused: if the session ended, api() goes to the login page
      this.scheduleReconnect(event.code);
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
      this.failures = 0;
      this.connected = true;
      this.connectedAt = performance.now();
      this.setState("connected");
      this.fireConnected();
      return;
    }
    if (message.type === "resync") {
      this.fireConnected();
      return;
    }
    if (message.type === "ping") return;
    if (this.seenBefore(message)) return;
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

  /** True when `message` has an identity (ONCE_KEYS) already handed to the page; remembers it otherwise. */
  seenBefore(message) {
    const id = ONCE_KEYS[message.type]?.(message);
    if (id === undefined || id === null) return false;
    const key = `${message.type} ${id}`;
    if (this.seen.has(key)) return true;
    this.seen.add(key);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value);
    return false;
  }

  scheduleReconnect(code) {
    const delay = reconnectDelay(code, this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** The browser is back online, or the page visible again: try now rather than at the end of the backoff. */
  retryNow() {
    if (this.ws === null) this.connect();
  }

  setState(state) {
    document.body.dataset.live = state;
    if (!this.status) return;
    // Only speak up once a reconnection was needed: a first connection is too quick to mention.
    const lost = state === "disconnected" && this.failures >= 1;
    this.status.hidden = !lost;
    this.status.textContent = lost ? "Connexion perdue. Reconnexion en cours… Les nouveaux messages apparaîtront dès le retour de la connexion." : "";
  }
}
