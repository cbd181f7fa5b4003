// A search-and-choose widget (ARIA combobox): one or two search fields, grouped and paged results,
// keyboard navigation across groups, entries that unfold into choices (several addresses), chips.

import { h, uniqueId } from "./dom.js";

const DEBOUNCE_MS = 180;

/**
 * createPicker({inputId, placeholder, many, search, emptyText, onChange, where})
 *   where: {placeholder, label} adds a second search field (e.g. "Ville, département, établissement").
 *   search(query, {signal, group, offset}) -> Promise<{groups, error, empty, actions}>
 *     query: {q, where}; with `group`, only the next page of that group is wanted (from `offset`).
 *     groups: [{key, label, items, more}]; empty: text or node shown when nothing was found;
 *     actions: [{label, run(query)}] offered after the results (e.g. "Créer un patient").
 *   item: {id, label, chip, value, detail, note, badge, warning, disabled, children: [item]}
 *     an item with children unfolds; each child is chosen on its own, several may be.
 *   freeText(text) -> item | null: what typed text stands for without a search (an MSSanté address typed in
 *     full); Enter with nothing found and settle() turn it into a choice.
 * Returns {el, input, get(), set(items, {notify}), add(item), typed(), settle(), focus(), close()}.
 *   typed(): the text still in the search field (not a choice); settle(): turn it into a choice if freeText
 *   knows it, and return what is still left (a send screen refuses to drop it silently).
 */
export function createPicker({ inputId, placeholder = "", many = false, search, emptyText, onChange = () => {},
  where = null, freeText = () => null }) {
  const listId = uniqueId("picker-list");
  let chosen = [];
  let view = null;  // the results shown: {query, groups, error, empty, actions}
  const expanded = new Set();
  let nav = [];  // navigable entries in display order: {el, key, run}
  let active = -1;
  let controller = null;
  let timer = null;
  let lastKey = null;
  let enterPending = false;  // Enter pressed before the results of the typed text arrived

  const combo = (attrs) => h("input", {
    type: "text", class: "picker-input", autocomplete: "off", spellcheck: "false", role: "combobox",
    "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listId, ...attrs,
  });
  const chips = h("ul", { class: "chips", "aria-label": "Sélection" });
  const input = combo({ id: inputId, placeholder });
  const whereInput = where ? combo({ class: "picker-input picker-where", placeholder: where.placeholder,
    "aria-label": where.label || where.placeholder }) : null;
  const inputs = [input, whereInput].filter(Boolean);
  const list = h("div", { id: listId, class: "picker-results", role: "listbox", hidden: true });
  const status = h("span", { class: "sr-only", role: "status", "aria-live": "polite" });
  const box = h("div", { class: "picker-box", onclick: (e) => { if (e.target === box) input.focus(); } }, chips, input);
  const el = h("div", { class: `picker${whereInput ? " picker-two" : ""}` },
    h("div", { class: "picker-fields" }, box, whereInput), list, status);

  const query = () => ({ q: input.value.trim(), where: whereInput ? whereInput.value.trim() : "" });
  const keyOf = (q) => JSON.stringify(q);
  const isEmptyQuery = (q) => !q.q && !q.where;
  const focusedInput = () => inputs.find((i) => i === document.activeElement) || input;

  function open() {
    list.hidden = false;
    inputs.forEach((i) => i.setAttribute("aria-expanded", "true"));
  }

  function close() {
    list.hidden = true;
    inputs.forEach((i) => { i.setAttribute("aria-expanded", "false"); i.removeAttribute("aria-activedescendant"); });
    active = -1;
  }

  function setActive(index) {
    nav.forEach((entry, i) => entry.el.classList.toggle("active", i === index));
    active = index;
    for (const i of inputs) {
      if (index >= 0) i.setAttribute("aria-activedescendant", nav[index].el.id);
      else i.removeAttribute("aria-activedescendant");
    }
    if (index >= 0) nav[index].el.scrollIntoView({ block: "nearest" });
  }

  const isChosen = (item) => chosen.some((c) => c.id === item.id);

  function option(classes, key, run, ...content) {
    const opt = h("div", { id: uniqueId("picker-opt"), role: "option", class: classes, "aria-selected": "false" }, ...content);
    const entry = { el: opt, key, run };
    opt.addEventListener("mousedown", (event) => { event.preventDefault(); run(); });
    opt.addEventListener("mousemove", () => { if (nav[active] !== entry) setActive(nav.indexOf(entry)); });
    nav.push(entry);
    return opt;
  }

  function itemContent(item) {
    return [
      h("span", { class: "picker-option-line" }, h("span", { class: "picker-option-label" }, item.label),
        item.badge ? h("span", { class: "picker-badge" }, item.badge) : null,
        item.warning ? h("span", { class: "picker-warning" }, item.warning) : null),
      item.detail ? h("span", { class: "picker-option-detail" }, item.detail) : null,
      item.note ? h("span", { class: "picker-option-note" }, item.note) : null,
    ];
  }

  function renderItem(item, groupEl) {
    if (item.disabled) {
      groupEl.append(h("div", { role: "option", class: "picker-option", "aria-disabled": "true", "aria-selected": "false" },
        ...itemContent(item)));
      return 1;
    }
    if (!item.children) {
      if (isChosen(item)) return 0;
      groupEl.append(option("picker-option", `item:${item.id}`, () => choose(item), ...itemContent(item)));
      return 1;
    }
    const open = expanded.has(item.id);
    const head = option(`picker-option picker-parent${open ? " open" : ""}`, `item:${item.id}`, () => toggle(item),
      ...itemContent(item), h("span", { class: "picker-option-note" },
        open ? "Choisissez une ou plusieurs adresses :" : `${item.children.length} adresses : choisir…`));
    head.setAttribute("aria-expanded", open ? "true" : "false");
    groupEl.append(head);
    if (open) {
      for (const child of item.children) {
        const on = isChosen(child);
        const opt = option(`picker-option picker-child${on ? " chosen" : ""}`, `item:${child.id}`, () => pickChild(child),
          h("span", { class: "picker-check", "aria-hidden": "true" }, on ? "✓" : ""), ...itemContent(child));
        opt.setAttribute("aria-selected", on ? "true" : "false");
        groupEl.append(opt);
      }
    }
    return 1;
  }

  function draw(activeKey) {
    list.replaceChildren();
    nav = [];
    if (!view) return;
    let count = 0;
    if (view.error) list.append(h("p", { class: "picker-note error-text" }, view.error));
    for (const group of view.groups || []) {
      const labelId = uniqueId("picker-group");
      const groupEl = h("div", { role: "group", "aria-labelledby": labelId, class: "picker-group", dataset: { group: group.key } },
        h("div", { id: labelId, class: "picker-group-label", role: "presentation" }, group.label));
      let shown = 0;
      for (const item of group.items) shown += renderItem(item, groupEl);
      if (group.more) {
        groupEl.append(option("picker-option picker-more", `more:${group.key}`, () => loadMore(group.key),
          "Voir plus de résultats"));
      }
      if (shown || group.more) list.append(groupEl);
      count += shown;
    }
    if (!count && !view.error) {
      const empty = view.empty ?? emptyText(view.query);
      list.append(empty instanceof Node ? empty : h("p", { class: "picker-note" }, empty));
    }
    for (const action of view.actions || []) {
      list.append(option("picker-option picker-action", `action:${action.label}`, () => { close(); action.run(view.query); },
        action.label));
    }
    status.textContent = count ? `${count} résultat${count > 1 ? "s" : ""}` : (view.empty instanceof Node
      ? view.empty.textContent : (view.empty || emptyText(view.query)));
    const keep = nav.findIndex((entry) => entry.key === activeKey);
    setActive(keep >= 0 ? keep : (nav.length ? 0 : -1));
  }

  function render(result, q) {
    view = { query: q, groups: [], ...result };
    expanded.clear();
    draw();
    open();
    if (enterPending) {
      if (nav.length) nav[0].run();
      else takeFreeText();
    }
    enterPending = false;
  }

  async function runSearch(q) {
    if (controller) controller.abort();
    controller = new AbortController();
    const mine = controller;
    lastKey = keyOf(q);
    el.classList.add("searching");
    try {
      const result = await search(q, { signal: mine.signal });
      if (mine === controller && inputs.includes(document.activeElement)) render(result, q);
    } catch (err) {
      if (err.name !== "AbortError") throw err;
    } finally {
      if (mine === controller && timer === null) el.classList.remove("searching");
    }
  }

  async function loadMore(key) {
    const group = view && view.groups.find((g) => g.key === key);
    if (!group) return;
    const shownView = view;
    el.classList.add("searching");
    try {
      const result = await search(view.query, { group: key, offset: group.items.length });
      if (view !== shownView) return;  // a newer search replaced these results
      const page = (result.groups || []).find((g) => g.key === key);
      if (!page) return;
      const known = new Set(group.items.map((i) => i.id));
      const fresh = page.items.filter((i) => !known.has(i.id));
      group.items.push(...fresh);
      group.more = Boolean(page.more) && fresh.length > 0;
      draw(fresh.length ? `item:${fresh[0].id}` : undefined);
    } finally {
      el.classList.remove("searching");
    }
  }

  function scheduleSearch() {
    clearTimeout(timer);
    timer = null;
    el.classList.add("searching");  // the results shown are now those of an older text
    const q = query();
    timer = setTimeout(() => { timer = null; runSearch(q); }, isEmptyQuery(q) ? 0 : DEBOUNCE_MS);
  }

  function toggle(item) {
    if (expanded.has(item.id)) expanded.delete(item.id);
    else expanded.add(item.id);
    draw(expanded.has(item.id) ? `item:${item.children[0].id}` : `item:${item.id}`);
  }

  // The text that found the addresses chosen from an unfolded entry: it stays while the list is open (more of
  // them may be chosen), then it has served; left there, it would stop the send as a name never chosen.
  let searchedFor = null;

  function doneSearching() {
    if (searchedFor !== null && input.value === searchedFor) input.value = "";
    searchedFor = null;
  }

  function pickChild(child) {
    // Several addresses of one person may be chosen: the list stays open until Escape or a click away.
    if (isChosen(child)) chosen = chosen.filter((c) => c.id !== child.id);
    else {
      chosen = many ? [...chosen, child] : [child];
      searchedFor = input.value;
    }
    renderChips();
    changed();
    if (many) draw(`item:${child.id}`);
    else close();
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
    chips.replaceChildren(...chosen.map((item) => {
      const label = item.chip || item.label;
      return h("li", { class: `chip${item.warning ? " chip-warning" : ""}`, dataset: { id: item.id } },
        h("span", { class: "chip-label", title: label }, label),
        h("button", { type: "button", class: "chip-remove", "aria-label": `Retirer ${label}`, title: "Retirer",
          onclick: () => remove(item) }, "×"));
    }));
    // A single choice replaces the search fields until it is removed.
    const hide = !many && chosen.length > 0;
    inputs.forEach((i) => { i.hidden = hide; });
  }

  for (const field of inputs) {
    field.addEventListener("input", scheduleSearch);
    // Suggestions open on a click, not on focus: a focus moved by the page (after an error) must not
    // cover the fields below with a list nobody asked for.
    field.addEventListener("mousedown", () => { if (list.hidden) scheduleSearch(); });
    field.addEventListener("keydown", (event) => onKey(event, field));
  }
  el.addEventListener("focusout", (event) => {
    if (!el.contains(event.relatedTarget)) {
      clearTimeout(timer);
      timer = null;
      enterPending = false;
      if (controller) controller.abort();
      el.classList.remove("searching");
      close();
      doneSearching();
    }
  });

  function onKey(event, field) {
    if (event.ctrlKey || event.metaKey) return;  // Ctrl+Enter belongs to the form
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) { scheduleSearch(); return; }
      if (!nav.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((active + step + nav.length) % nav.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const q = query();
      const stale = timer !== null || lastKey !== keyOf(q) || el.classList.contains("searching");
      if (stale && !isEmptyQuery(q)) {
        enterPending = true;  // the list shows older results: choose from the fresh ones
        if (timer !== null) { clearTimeout(timer); timer = null; runSearch(q); }
      } else if (!list.hidden && active >= 0) {
        nav[active].run();
      } else {
        takeFreeText();
      }
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      event.stopPropagation();
      close();
      doneSearching();
    } else if (event.key === "Backspace" && field === input && !input.value && chosen.length) {
      remove(chosen[chosen.length - 1]);
    }
  }

  function get() {
    return [...chosen];
  }

  // The name field only: the second field is a filter (a city) that stays for the next names once one is chosen.
  const typed = () => input.value.trim();

  /** The typed text as a choice, when freeText knows what it stands for (and only the first field was used). */
  function takeFreeText() {
    const text = input.value.trim();
    if (!text || (whereInput && whereInput.value.trim())) return false;
    const item = freeText(text);
    if (!item) return false;
    if (!isChosen(item)) choose(item);
    else { input.value = ""; close(); }
    return true;
  }

  function settle() {
    if (input.hidden) return "";  // a single choice was made: the fields are gone
    doneSearching();
    takeFreeText();
    return typed();
  }

  function set(items, { notify = false } = {}) {
    chosen = [...(items || [])];
    renderChips();
    if (notify) changed();
  }

  return {
    el, input, get, set, close, typed, settle,
    add: (item) => { if (!isChosen(item)) choose(item); },
    focus: () => (input.hidden ? chips.querySelector("button") : focusedInput()).focus(),
  };
}
