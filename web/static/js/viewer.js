// The photo viewer of a thread: full size over the page, file name, previous / next among the thread's
// photos, download under the original name; Escape or the close button goes back to the thread.

import { h } from "./dom.js";

/** createViewer(list): click on any `a.thumb[data-viewer]` inside `list` opens it. */
export function createViewer(list) {
  let photos = [];  // the thread's thumbnails, in reading order, when the viewer opened
  let index = 0;
  let opener = null;

  const image = h("img", { class: "viewer-image", alt: "" });
  const name = h("p", { class: "viewer-name", id: "viewer-name" });
  const position = h("span", { class: "viewer-position" });
  const download = h("a", { class: "btn btn-secondary viewer-download" }, "Télécharger");
  const openTab = h("a", { class: "btn btn-link viewer-open", target: "_blank", rel: "noopener" }, "Ouvrir dans un onglet");
  const previous = h("button", { type: "button", class: "viewer-nav viewer-previous", "aria-label": "Photo précédente",
    title: "Photo précédente (←)", onclick: () => show(index - 1) }, "‹");
  const next = h("button", { type: "button", class: "viewer-nav viewer-next", "aria-label": "Photo suivante",
    title: "Photo suivante (→)", onclick: () => show(index + 1) }, "›");
  const close = h("button", { type: "button", class: "viewer-close", "aria-label": "Fermer", title: "Fermer (Échap)",
    onclick: () => dialog.close() }, "×");
  const dialog = h("dialog", { class: "viewer", "aria-labelledby": "viewer-name" },
    h("div", { class: "viewer-bar" }, h("div", { class: "viewer-title" }, name, position),
      h("div", { class: "viewer-tools" }, openTab, download, close)),
    h("div", { class: "viewer-stage" }, previous, h("figure", { class: "viewer-figure" }, image), next));
  document.body.append(dialog);

  function show(i) {
    if (!photos.length) return;
    index = (i + photos.length) % photos.length;
    const thumb = photos[index];
    image.src = thumb.href;
    image.alt = thumb.dataset.name;
    name.textContent = thumb.dataset.name;
    position.textContent = photos.length > 1 ? `${index + 1} / ${photos.length}` : "";
    download.href = thumb.dataset.download;
    download.setAttribute("download", thumb.dataset.name);
    openTab.href = thumb.href;
    previous.hidden = next.hidden = photos.length < 2;
    dialog.dataset.index = String(index);
  }

  function open(thumb) {
    photos = [...list.querySelectorAll("a.thumb[data-viewer]")];
    opener = thumb;
    show(Math.max(0, photos.indexOf(thumb)));
    dialog.showModal();
    close.focus();
  }

  list.addEventListener("click", (event) => {
    const thumb = event.target.closest("a.thumb[data-viewer]");
    if (!thumb || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();  // a plain click views; Ctrl+click still opens a tab
    open(thumb);
  });
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "ArrowLeft") { event.preventDefault(); show(index - 1); }
    if (event.key === "ArrowRight") { event.preventDefault(); show(index + 1); }
  });
  // A click on the dark backdrop (outside the photo and the bar) closes, as most viewers do.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog || event.target.classList.contains("viewer-stage")) dialog.close();
  });
  dialog.addEventListener("close", () => {
    image.removeAttribute("src");
    if (opener && opener.isConnected) opener.focus();
  });
  return { open, el: dialog };
}
