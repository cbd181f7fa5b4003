// Session descriptions travel deflated and base64-encoded: a description with its candidates is several
// kilobytes, and a socket frame may not exceed the server's ws_max_message_bytes (4 KiB by default).

async function pipe(text, stream) {
  const input = new Blob([text]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(input).arrayBuffer());
}

export async function packSdp(sdp) {
  if (typeof CompressionStream === "undefined") return { sdp, encoding: "plain" };
  const bytes = await pipe(sdp, new CompressionStream("deflate-raw"));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return { sdp: btoa(binary), encoding: "deflate" };
}

export async function unpackSdp({ sdp, encoding }) {
  if (encoding !== "deflate") return sdp;
  const bytes = Uint8Array.from(atob(sdp), (c) => c.charCodeAt(0));
  const output = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Response(output).text();
}
