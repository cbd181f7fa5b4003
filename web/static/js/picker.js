// A search-and-choose widget (ARIA combobox): grouped results, keyboard navigation, choices as chips.

import { h, uniqueId } from "./dom.js";

const DEBOUNCE_MS = 180;

/**
 * createPicker({inputId, placeholder, many, search, emptyText, onChange})
 *   search(query, {signal, more}) -> Promise<{groups: [{label, items}], hasMore, error}>
 *   an item is {id, label, detail, note, disabled}
 * Returns {el, input, get(), set(items), focus()}.
 */
export function createPicker({ inputId, placeholder = "", many = false, search, emptyText, onChange = () => {} }) {
  const listId = uniqueId("picker-list");
  let chosen = [];
  let options = [];  // enabled option elements in display order
  let active = -1;
  let controller = null;
  let timer = null;
  let lastQuery = null;
  let enterPending = false;  // Enter pressed before the results of the typed text arrived

  const chips = h("ul", { class: "chips", "aria-label": "Sélection" });
  const input = h("input", {
    id: inputId, type: "text", class: "picker-input", autocomplete: "off", spellcheck: "false",
    role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listId, placeholder,
  });
  const list = h("div", { id: listId, class: "picker-results", role: "listbox", hidden: true });
  const status = h("span", { class: "sr-only", role: "status", "aria-live": "polite" });
  const box = h("div", { class: "picker-box", onclick: (e) => { if (e.target === box) input.focus(); } }, chips, input);
  const el = h("div", { class: "picker" }, box, list, status);

  function open() {
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function setActive(index) {
    options.forEach((opt, i) => opt.classList.toggle("active", i === index));
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function render(result, query) {
    list.replaceChildren();
    options = [];
    const chosenIds = new Set(chosen.map((c) => c.id));
    let count = 0;
    if (result.error) {
      list.append(h("p", { class: "picker-note error-text" }, result.error));
    }
    for (const group of result.groups || []) {
      const items = group.items.filter((item) => !chosenIds.has(item.id));
      if (!items.length) continue;
      const labelId = uniqueId("picker-group");
      const groupEl = h("div", { role: "group", "aria-labelledby": labelId, class: "picker-group" },
        h("div", { id: labelId, class: "picker-group-label", role: "presentation" }, group.label));
      for (const item of items) {
        const opt = h("div", {
          id: uniqueId("picker-opt"), role: "option", class: "picker-option", "aria-disabled": item.disabled ? "true" : false,
          "aria-selected": "false",
        }, h("span", { class: "picker-option-label" }, item.label),
        item.detail ? h("span", { class: "picker-option-detail" }, item.detail) : null,
        item.note ? h("span", { class: "picker-option-note" }, item.note) : null);
        if (!item.disabled) {
          opt.pickerItem = item;
          opt.addEventListener("mousedown", (event) => { event.preventDefault(); choose(item); });
          opt.addEventListener("mousemove", () => setActive(options.indexOf(opt)));
          options.push(opt);
        }
        groupEl.append(opt);
        count += 1;
      }
      list.append(groupEl);
    }
    if (!count && !result.error) list.append(h("p", { class: "picker-note" }, emptyText(query)));
    if (result.hasMore) {
      list.append(h("button", {
        type: "button", class: "picker-more", tabindex: "-1",
        onmousedown: (event) => { event.preventDefault(); runSearch(query, true); },
      }, "Voir plus de résultats"));
    }
    status.textContent = count ? `${count} résultat${count > 1 ? "s" : ""}` : emptyText(query);
    setActive(options.length ? 0 : -1);
    open();
    if (enterPending && options.length) choose(options[0].pickerItem);
    enterPending = false;
  }

  async function runSearch(query, more = false) {
    if (controller) controller.abort();
    controller = new AbortController();
    const mine = controller;
    lastQuery = query;
    el.classList.add("searching");
    try {
      const result = await search(query, { signal: mine.signal, more });
      if (mine === controller && document.activeElement === input) render(result, query);
    } catch (err) {
      if (err.name !== "AbortError") throw err;
    } finally {
      if (mine === controller && timer === null) el.classList.remove("searching");
    }
  }

  function scheduleSearch() {
    clearTimeout(timer);
    timer = null;
    el.classList.add("searching");  // the results shown are now those of an older text
    const query = input.value.trim();
    timer = setTimeout(() => { timer = null; runSearch(query); }, query ? DEBOUNCE_MS : 0);
  }

  function choose(item) {
    chosen = many ? [...chosen, item] : [item];
    input.value = "";
    renderChips();
    close();
    changed();
    if (many) input.focus();  // ready for the next name; the list reopens as soon as one types
    else chips.querySelector("button").focus();  // the search field is gone: keep the focus nearby
  }

  function remove(item) {
    chosen = chosen.filter((c) => c.id !== item.id);
    renderChips();
    changed();
    input.focus();
  }

  function changed() {
    onChange(get());
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function renderChips() {
    chips.replaceChildren(...chosen.map((item) => h("li", { class: "chip", dataset: { id: item.id } },
      h("span", { class: "chip-label" }, item.label),
      h("button", { type: "button", class: "chip-remove", "aria-label": `Retirer ${item.label}`, title: "Retirer",
        onclick: () => remove(item) }, "×"))));
    // A single choice replaces the search field until it is removed.
    input.hidden = !many && chosen.length > 0;
  }

  input.addEventListener("input", scheduleSearch);
  // Suggestions open on a click, not on focus: a focus moved by the page (after an error) must not
  // cover the fields below with a list nobody asked for.
  input.addEventListener("mousedown", () => { if (list.hidden) scheduleSearch(); });
  el.addEventListener("focusout", (event) => {
    if (!el.contains(event.relatedTarget)) {
      clearTimeout(timer);
      timer = null;
      enterPending = false;
      if (controller) controller.abort();
      el.classList.remove("searching");
      close();
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey) return;  // Ctrl+Enter belongs to the form
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) { scheduleSearch(); return; }
      if (!options.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((active + step + options.length) % options.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const stale = timer !== null || lastQuery !== input.value.trim() || el.classList.contains("searching");
      if (stale && input.value.trim()) {
        enterPending = true;  // the list shows older results: choose from the fresh ones
        if (timer !== null) { clearTimeout(timer); timer = null; runSearch(input.value.trim()); }
      } else if (!list.hidden && active >= 0) {
        choose(options[active].pickerItem);
      }
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === "Backspace" && !input.value && chosen.length) {
      remove(chosen[chosen.length - 1]);
    }
  });

  function get() {
    return [...chosen];
  }

  function set(items) {
    chosen = [...(items || [])];
    renderChips();
  }

  return {
    el, input, get, set,
    focus: () => (input.hidden ? chips.querySelector("button") : input).focus(),
    get lastQuery() { return lastQuery; },
  };
}
