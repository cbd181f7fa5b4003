// The call page (/visio/echanges/<id>): joins the exchange's call (starting it if none), shows every
// participant's picture, and offers the microphone, camera, screen sharing and leave buttons. With an outside
// provider (the video_room hook: Jitsi...) the page links to its room instead of the built-in mesh.

import { allMessages, api } from "relais/api.js";
import { h } from "relais/dom.js";

import { visioIcon } from "./icons.js";
import { openMedia, openScreen } from "./media.js";
import { Mesh } from "./mesh.js";
import { connected, live, sendUp } from "./visio_live.js";

const root = document.getElementById("visio-call");
const exchangeId = Number(root.dataset.exchange);
const grid = document.getElementById("visio-grid");
const statusLine = document.getElementById("visio-status");
const notice = document.getElementById("visio-notice");
const roomBox = document.getElementById("visio-room");
const buttons = {
  mic: document.getElementById("visio-mic"),
  camera: document.getElementById("visio-camera"),
  screen: document.getElementById("visio-screen"),
  leave: document.getElementById("visio-leave"),
};
const STATE_TEXT = {
  new: "Connexion…", connecting: "Connexion…", connected: "", disconnected: "Connexion instable…",
  failed: "Connexion impossible avec ce participant (réseau de l'établissement ?).", closed: "",
};

let joined = null;  // the server's answer to "rejoindre": {call, peer, me, peers, ice_servers, room}
let mesh = null;
let media = null;
let screenTrack = null;
let heartbeat = null;
let leaving = false;
const names = new Map();  // peer id -> name

function setState(state, text) {
  root.dataset.state = state;
  statusLine.textContent = text;
}

function warn(text) {
  notice.hidden = !text;
  notice.textContent = text || "";
}

function tile(peer, name, local = false) {
  let item = grid.querySelector(`[data-peer="${CSS.escape(peer)}"]`);
  if (item) return item;
  const video = h("video", { autoplay: true, playsinline: true, class: local ? "visio-video visio-mirror" : "visio-video" });
  if (local) video.muted = true;  // never hear oneself
  item = h("li", { class: local ? "visio-tile visio-tile-me" : "visio-tile", dataset: { peer, state: local ? "connected" : "new" } },
    video,
    h("span", { class: "visio-avatar", "aria-hidden": "true" }, initials(name)),
    h("span", { class: "visio-name" }, local ? `${name} (vous)` : name),
    h("span", { class: "visio-tile-state" }, local ? "" : STATE_TEXT.new));
  grid.append(item);
  layout();
  return item;
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join("");
}

function layout() {
  grid.dataset.count = String(grid.children.length);
}

function showStream(peer, stream) {
  const item = tile(peer, names.get(peer) || "Participant");
  const video = item.querySelector("video");
  if (video.srcObject !== stream) video.srcObject = stream;
  item.dataset.video = stream.getVideoTracks().length ? "on" : "off";
}

function showState(peer, state) {
  const item = grid.querySelector(`[data-peer="${CSS.escape(peer)}"]`);
  if (!item) return;
  item.dataset.state = state;
  item.querySelector(".visio-tile-state").textContent = STATE_TEXT[state] ?? "";
  updateStatus();
}

function dropTile(peer) {
  grid.querySelector(`[data-peer="${CSS.escape(peer)}"]`)?.remove();
  layout();
  updateStatus();
}

function updateStatus() {
  if (!joined || leaving) return;
  const others = grid.querySelectorAll(".visio-tile:not(.visio-tile-me)").length;
  setState("in-call", others ? `${others + 1} participants dans la visio.`
    : "Vous êtes seul dans la visio : les participants de l'échange sont prévenus.");
}

function toggle(button, on, labels, icons) {
  button.setAttribute("aria-pressed", on ? "true" : "false");
  button.classList.toggle("visio-off", !on);
  button.replaceChildren(visioIcon(on ? icons[0] : icons[1]), h("span", { class: "visio-label" }, on ? labels[0] : labels[1]));
}

function setUpControls(stream) {
  const audio = stream ? stream.getAudioTracks()[0] : null;
  const video = stream ? stream.getVideoTracks()[0] : null;
  buttons.mic.disabled = !audio;
  buttons.camera.disabled = !video;
  buttons.screen.disabled = !video;  // the shared screen takes the camera's place
  toggle(buttons.mic, !!audio, ["Couper le micro", "Activer le micro"], ["mic", "mic-off"]);
  toggle(buttons.camera, !!video, ["Couper la caméra", "Activer la caméra"], ["video", "video-off"]);
  buttons.screen.replaceChildren(visioIcon("screen"), h("span", { class: "visio-label" }, "Partager l'écran"));
  buttons.leave.replaceChildren(visioIcon("hangup"), h("span", { class: "visio-label" }, "Quitter"));
  buttons.mic.onclick = () => {
    audio.enabled = !audio.enabled;
    toggle(buttons.mic, audio.enabled, ["Couper le micro", "Activer le micro"], ["mic", "mic-off"]);
  };
  buttons.camera.onclick = () => {
    video.enabled = !video.enabled;
    toggle(buttons.camera, video.enabled, ["Couper la caméra", "Activer la caméra"], ["video", "video-off"]);
    document.querySelector(".visio-tile-me").dataset.video = video.enabled ? "on" : "off";
  };
  buttons.screen.onclick = () => (screenTrack ? stopSharing() : shareScreen());
  buttons.leave.onclick = () => leave(true);
}

async function shareScreen() {
  const { track, error } = await openScreen();
  if (error) { warn(error); return; }
  if (!track) return;
  screenTrack = track;
  track.addEventListener("ended", stopSharing);  // the browser's own "Arrêter le partage"
  await mesh.useVideo(track);
  document.querySelector(".visio-tile-me video").srcObject = new MediaStream([track]);
  document.querySelector(".visio-tile-me video").classList.remove("visio-mirror");
  buttons.screen.setAttribute("aria-pressed", "true");
  buttons.screen.replaceChildren(visioIcon("screen"), h("span", { class: "visio-label" }, "Arrêter le partage"));
}

async function stopSharing() {
  if (!screenTrack) return;
  screenTrack.stop();
  screenTrack = null;
  const camera = media.getVideoTracks()[0];
  await mesh.useVideo(camera);
  const mine = document.querySelector(".visio-tile-me video");
  mine.srcObject = media;
  mine.classList.add("visio-mirror");
  buttons.screen.setAttribute("aria-pressed", "false");
  buttons.screen.replaceChildren(visioIcon("screen"), h("span", { class: "visio-label" }, "Partager l'écran"));
}

function post(path, json) {
  return api(path, { method: "POST", json });
}

async function leave(goBack) {
  if (leaving) return;
  leaving = true;
  clearInterval(heartbeat);
  if (mesh) mesh.close();
  for (const track of media ? media.getTracks() : []) track.stop();
  if (screenTrack) screenTrack.stop();
  if (joined) await post(`/visio/api/appels/${joined.call.id}/quitter`, { peer: joined.peer });
  setState("left", "Vous avez quitté la visio.");
  if (goBack) location.assign(`/echanges/${exchangeId}`);
}

function leaveOnClose() {
  // The page goes away (tab closed, another page): tell the server at once; the heartbeat's silence would too.
  if (leaving || !joined) return;
  leaving = true;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  fetch(`/visio/api/appels/${joined.call.id}/quitter`, {
    method: "POST", keepalive: true, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token }, body: JSON.stringify({ peer: joined.peer }),
  });
}

function showRoom(room) {
  // An outside provider hosts the call: this page keeps the call alive (presence) and links to the room.
  roomBox.hidden = false;
  roomBox.replaceChildren(
    h("h2", {}, `Cette visio se tient sur ${room.label || room.provider}`),
    h("p", {}, "Elle s'ouvre dans un nouvel onglet. Gardez cette page ouverte pendant la visio : elle indique aux "
      + "autres participants que vous y êtes."),
    h("a", { class: "btn btn-primary", href: room.url, target: "_blank", rel: "noopener" }, "Ouvrir la visio"));
  for (const key of ["mic", "camera", "screen"]) buttons[key].hidden = true;
  buttons.leave.replaceChildren(visioIcon("hangup"), h("span", { class: "visio-label" }, "Quitter la visio"));
  buttons.leave.onclick = () => leave(true);
  setState("in-call", "Visio en cours.");
}

function listen() {
  live.on("visio.signal", (event) => {
    const { call, from, to, signal } = event.data;
    if (!mesh || call !== joined.call.id || to !== joined.peer) return;
    mesh.receive(from, signal).catch((err) => console.error("visio: description refused", err));
  });
  live.on("visio.joined", (event) => {
    const { call, peer, account } = event.data;
    if (!joined || call !== joined.call.id || peer === joined.peer) return;
    names.set(peer, account.name);
    tile(peer, account.name);  // its page offers to this one: the picture follows
    updateStatus();
  });
  live.on("visio.left", (event) => {
    const { call, peer } = event.data;
    if (!joined || call !== joined.call.id) return;
    if (peer === joined.peer) {
      if (!leaving) lost();
      return;
    }
    if (mesh) mesh.remove(peer);
    dropTile(peer);
  });
  live.on("visio.ended", (event) => {
    if (joined && event.data.call === joined.call.id && !leaving) lost();
  });
  live.on("socket.refused", (event) => console.warn("visio: message refused", event.reason));
  live.on("visio.signal_refused", (event) => console.warn("visio: signal refused", event.reason));
}

function lost() {
  // This page was let go (the network was gone too long): offer to come back rather than a frozen call.
  leaving = true;
  clearInterval(heartbeat);
  if (mesh) mesh.close();
  setState("left", "Vous avez été déconnecté de la visio.");
  warn("");
  notice.hidden = false;
  notice.replaceChildren("La connexion a été perdue trop longtemps. ",
    h("button", { type: "button", class: "btn btn-primary", onclick: () => location.reload() }, "Rejoindre de nouveau"));
}

async function start() {
  listen();
  const opened = await openMedia();
  media = opened.stream;
  warn(opened.warning);
  await connected();
  const r = await post(`/visio/api/echanges/${exchangeId}/rejoindre`, {});
  if (!r.ok) {
    for (const track of media ? media.getTracks() : []) track.stop();
    setState("refused", allMessages(r.errors).join(" "));
    buttons.leave.onclick = () => location.assign(`/echanges/${exchangeId}`);
    buttons.leave.replaceChildren(h("span", { class: "visio-label" }, "Retour à l'échange"));
    return;
  }
  joined = r.data;
  window.addEventListener("pagehide", leaveOnClose);
  heartbeat = setInterval(async () => {
    const beat = await post(`/visio/api/appels/${joined.call.id}/presence`, { peer: joined.peer });
    if ((beat.status === 409 || beat.status === 404) && !leaving) lost();  // let go, or no longer a member
  }, joined.heartbeat_seconds * 1000);
  if (joined.room) {
    for (const track of media ? media.getTracks() : []) track.stop();
    showRoom(joined.room);
    return;
  }
  const mine = tile(joined.peer, joined.me.name, true);
  if (media) {
    mine.querySelector("video").srcObject = media;
    mine.dataset.video = media.getVideoTracks().length ? "on" : "off";
  } else {
    mine.dataset.video = "off";
  }
  setUpControls(media);
  mesh = new Mesh({ me: joined.peer, call: joined.call.id, iceServers: joined.ice_servers, stream: media,
                    send: (message) => sendUp(message) || connected().then(() => sendUp(message)),
                    onStream: showStream, onState: showState });
  window.visioMesh = mesh;  // for the browser tests: connection states and statistics
  updateStatus();
  for (const { peer, account } of joined.peers) {
    names.set(peer, account.name);
    tile(peer, account.name);
    mesh.offer(peer).catch((err) => console.error("visio: offer failed", err));
  }
}

window.visioLeave = () => leave(false);  // for the browser tests: leave and wait for the server's answer
start();
