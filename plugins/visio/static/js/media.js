// The camera and microphone: asked once, with a French sentence saying what to do when refused or missing.

const MESSAGES = {
  NotAllowedError: "L'accès à la caméra et au micro a été refusé. Autorisez-les dans la barre d'adresse "
    + "(icône à gauche de l'adresse), puis rechargez la page. En attendant, vous voyez et entendez les autres "
    + "sans qu'ils vous voient ni vous entendent.",
  NotFoundError: "Aucune caméra ni aucun micro n'a été trouvé sur cet appareil : branchez-en un puis rechargez "
    + "la page. En attendant, vous voyez et entendez les autres sans qu'ils vous voient ni vous entendent.",
  NotReadableError: "La caméra ou le micro est déjà utilisé par une autre application (un autre logiciel de "
    + "visio ?) : fermez-la puis rechargez la page.",
  OverconstrainedError: "La caméra de cet appareil ne convient pas : essayez-en une autre puis rechargez la page.",
  SecurityError: "Le navigateur interdit la caméra et le micro sur cette page : ouvrez la plateforme en https.",
};
const CAMERA_MISSING = "Aucune caméra n'a été trouvée : les autres vous entendent sans vous voir.";
const GENERIC = "La caméra et le micro n'ont pas pu être ouverts. Rechargez la page pour réessayer.";

/** -> {stream: MediaStream|null, warning: string|null}: camera and microphone, else the microphone alone. */
export async function openMedia() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return { stream: null, warning: MESSAGES.SecurityError };
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true },
      video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24 } },
    });
    return { stream, warning: null };
  } catch (err) {
    if (err.name === "NotFoundError" || err.name === "OverconstrainedError") {
      try {  // no camera: the microphone alone is still a call
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        return { stream, warning: CAMERA_MISSING };
      } catch (second) {
        return { stream: null, warning: MESSAGES[second.name] || GENERIC };
      }
    }
    return { stream: null, warning: MESSAGES[err.name] || GENERIC };
  }
}

/** The screen to share, or null when the person cancelled; {error} when the browser refused. */
export async function openScreen() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia) {
    return { error: "Ce navigateur ne sait pas partager l'écran." };
  }
  try {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    return { track: stream.getVideoTracks()[0] };
  } catch (err) {
    if (err.name === "NotAllowedError" || err.name === "AbortError") return { track: null };
    return { error: "Le partage d'écran n'a pas pu démarrer." };
  }
}
