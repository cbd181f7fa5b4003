// The built-in provider: one RTCPeerConnection per other page of the call (a mesh, up to six pages). The page
// that joins last offers to each page already there, so two pages never offer to each other at once. Each
// description is sent whole, with its candidates (no trickle): one message per direction per pair, well
// within the socket's limits, and sent only once ICE gathering is done (or after GATHER_MS).

import { packSdp, unpackSdp } from "./sdp_codec.js";

const GATHER_MS = 4000;
const ANSWER_WAIT_MS = 10000;
const OFFER_ATTEMPTS = 3;

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, GATHER_MS);
    function done() {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    }
    function check() { if (pc.iceGatheringState === "complete") done(); }
    pc.addEventListener("icegatheringstatechange", check);
  });
}

export class Mesh {
  /**
   * @param {object} o
   * @param {string} o.me        this page's peer id
   * @param {number} o.call      the call's id
   * @param {Array} o.iceServers from the server (STUN, TURN with per-call credentials)
   * @param {MediaStream|null} o.stream this page's camera and microphone
   * @param {(message) => boolean} o.send sends a message up the live socket
   * @param {(peer, stream) => void} o.onStream a remote page's media arrived
   * @param {(peer, state) => void} o.onState  a connection's state changed ("connecting", "connected", "failed"...)
   */
  constructor({ me, call, iceServers, stream, send, onStream, onState }) {
    Object.assign(this, { me, call, iceServers, stream, send, onStream, onState });
    this.peers = new Map();  // peer id -> RTCPeerConnection
    this.videoTrack = stream ? stream.getVideoTracks()[0] || null : null;
  }

  connection(peer) {
    let pc = this.peers.get(peer);
    if (pc) return pc;
    pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.peers.set(peer, pc);
    if (this.stream) {
      for (const track of this.stream.getTracks()) pc.addTrack(track, this.stream);
    }
    // Receive even what this page does not send (no camera, refused microphone).
    const kinds = new Set((this.stream ? this.stream.getTracks() : []).map((t) => t.kind));
    for (const kind of ["audio", "video"]) {
      if (!kinds.has(kind)) pc.addTransceiver(kind, { direction: "recvonly" });
    }
    pc.addEventListener("track", (event) => {
      const remote = event.streams[0] || new MediaStream([event.track]);
      this.onStream(peer, remote);
    });
    pc.addEventListener("connectionstatechange", () => this.onState(peer, pc.connectionState));
    return pc;
  }

  /** Offer to a page that was in the call before this one; offer again (afresh) if no answer comes, as when
   * that page's socket was reconnecting at the time. */
  async offer(peer, attempt = 1) {
    const pc = this.connection(peer);
    await pc.setLocalDescription(await pc.createOffer());
    await this.describe(peer, pc);
    setTimeout(() => {
      if (this.peers.get(peer) !== pc || pc.signalingState !== "have-local-offer" || attempt >= OFFER_ATTEMPTS) return;
      this.remove(peer);
      this.offer(peer, attempt + 1).catch((err) => console.error("visio: offer failed", err));
    }, ANSWER_WAIT_MS);
  }

  /** A description from another page: an offer is answered, an answer completes the pair. */
  async receive(from, signal) {
    const sdp = await unpackSdp(signal);
    if (signal.kind === "offer") {
      // Pages never renegotiate (the screen replaces the camera's track): an offer from a page already known
      // is that page starting afresh (its first offer got no answer, or it came back).
      this.remove(from);
      const pc = this.connection(from);
      await pc.setRemoteDescription({ type: "offer", sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await this.describe(from, pc);
    } else if (signal.kind === "answer") {
      const pc = this.peers.get(from);
      if (pc && pc.signalingState === "have-local-offer") await pc.setRemoteDescription({ type: "answer", sdp });
    }
  }

  async describe(peer, pc) {
    await gathered(pc);
    const description = pc.localDescription;
    const packed = await packSdp(description.sdp);
    this.send({ type: "visio.signal", call: this.call, from: this.me, to: peer,
                signal: { kind: description.type, ...packed } });
  }

  remove(peer) {
    const pc = this.peers.get(peer);
    if (!pc) return;
    this.peers.delete(peer);
    pc.close();
  }

  /** Send another picture (the shared screen, or the camera again) without a new negotiation. */
  async useVideo(track) {
    for (const pc of this.peers.values()) {
      const video = pc.getTransceivers().find((t) => t.receiver.track && t.receiver.track.kind === "video");
      if (video) await video.sender.replaceTrack(track);
    }
  }

  close() {
    for (const peer of [...this.peers.keys()]) this.remove(peer);
  }
}
