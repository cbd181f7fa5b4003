// The one "Ajouter une pièce jointe" button: any format, several files, drag and drop, immediate upload.

import { allMessages, uploadFiles } from "./api.js";
import { h } from "./dom.js";
import { fileSize } from "./format.js";
import { icon } from "./icons.js";

/**
 * createAttachments({inputId, dropTarget, onError})
 * Returns {el, get() -> [ids], pending() -> Promise, addFiles(files), clear(), setSaved([{id, filename, size}]),
 * onChange(fn)}.
 * onError(messages) receives French sentences for rejected files ([] clears).
 */
export function createAttachments({ inputId, dropTarget, onError = () => {} }) {
  const items = [];  // {file, id, state: "uploading"|"done", el, promise}
  const listeners = new Set();
  const list = h("ul", { class: "attachment-list" });
  const fileInput = h("input", { id: inputId, type: "file", multiple: true, hidden: true, "data-attachments-input": "" });
  const button = h("button", { type: "button", class: "btn btn-secondary btn-attach", onclick: () => fileInput.click() },
    icon("paperclip"), "Ajouter une pièce jointe");
  const el = h("div", { class: "attachments" }, list,
    h("div", { class: "attach-row" }, button, fileInput,
      h("span", { class: "hint" }, `Tous formats${maxBytes() ? `, ${maxSizeText()} au plus par fichier` : ""}, `
        + "plusieurs fichiers possibles ; vous pouvez aussi les glisser ici.")));

  fileInput.addEventListener("change", () => {
    addFiles([...fileInput.files]);
    fileInput.value = "";
  });

  const target = dropTarget || el;
  let depth = 0;
  target.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth += 1;
    target.classList.add("dragging");
  });
  target.addEventListener("dragover", (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  target.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) target.classList.remove("dragging");
  });
  target.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    target.classList.remove("dragging");
    addFiles([...event.dataTransfer.files]);
  });

  function changed() {
    el.dispatchEvent(new Event("change", { bubbles: true }));
    for (const fn of listeners) fn(get());
  }

  function addFiles(all) {
    if (!all.length) return;
    onError([]);
    // Checked before anything is sent: a too large file is named at once, not after minutes of upload.
    const max = maxBytes();
    const tooLarge = max ? all.filter((file) => file.size > max) : [];
    const files = all.filter((file) => !tooLarge.includes(file));
    const failures = tooLarge.map((file) => `« ${file.name} » dépasse la taille maximale de ${maxSizeText()}.`);
    if (!files.length) {
      onError(failures);
      return;
    }
    const uploads = files.map((file) => {
      const item = { file, id: null, state: "uploading" };
      item.el = renderItem(item);
      list.append(item.el);
      items.push(item);
      // One request per file, so one refused file does not hold the others back.
      item.promise = uploadFiles([file]).then((result) => {
        if (result.ok) {
          const saved = result.data.attachments[0];
          Object.assign(item, { id: saved.id, state: "done", saved });
          item.el.replaceWith((item.el = renderItem(item)));
        } else {
          failures.push(...allMessages(result.errors));
          drop(item);
        }
      });
      return item.promise;
    });
    changed();
    Promise.all(uploads).then(() => {
      changed();
      if (failures.length) onError(failures);
    });
  }

  function drop(item) {
    const index = items.indexOf(item);
    if (index >= 0) items.splice(index, 1);
    item.el.remove();
    changed();
  }

  function renderItem(item) {
    const uploading = item.state === "uploading";
    const name = item.file.name;
    return h("li", { class: `attachment-item${uploading ? " uploading" : ""}`, dataset: item.id ? { id: item.id } : {} },
      h("span", { class: "attachment-name" }, name),
      h("span", { class: "attachment-size" }, uploading ? "envoi…" : fileSize(item.saved.size)),
      h("button", { type: "button", class: "chip-remove", "aria-label": `Retirer ${name}`, title: "Retirer",
        disabled: uploading, onclick: () => drop(item) }, "×"));
  }

  function get() {
    return items.filter((i) => i.state === "done").map((i) => i.id);
  }

  function pending() {
    return Promise.all(items.filter((i) => i.state === "uploading").map((i) => i.promise));
  }

  function clear() {
    items.splice(0).forEach((i) => i.el.remove());
    changed();
  }

  /** Files already on the server ({id, filename, size}: a draft a channel gives as the field's default). Files
   * still uploading stay: the user just chose them (a patient picked meanwhile refills the screen's defaults). */
  function setSaved(saved) {
    for (const item of items.filter((i) => i.state !== "uploading")) {
      items.splice(items.indexOf(item), 1);
      item.el.remove();
    }
    for (const one of (Array.isArray(saved) ? saved : []).filter((x) => x && typeof x === "object" && x.id)) {
      const item = { file: { name: one.filename }, id: one.id, state: "done", saved: one, promise: Promise.resolve() };
      item.el = renderItem(item);
      list.append(item.el);
      items.push(item);
    }
    changed();
  }

  return {
    el, get, pending, addFiles, clear, setSaved, button,
    isUploading: () => items.some((i) => i.state === "uploading"),
    onChange: (fn) => listeners.add(fn),
  };
}

/** The platform's limit for one file (setting attachment_max_bytes, given by the page), null if unknown. */
function maxBytes() {
  const value = Number(document.querySelector('meta[name="relais-attachment-max-bytes"]')?.content);
  return Number.isFinite(value) && value > 0 ? value : null;
}

/** "25 Mo", as the kernel says it in its own refusal (kernel/services/attachments.py). */
function maxSizeText() {
  const max = maxBytes();
  return max >= 1024 * 1024 ? `${Math.round(max / (1024 * 1024))} Mo` : `${Math.round(max / 1024)} Ko`;
}

function hasFiles(event) {
  return [...(event.dataTransfer?.types || [])].includes("Files");
}
