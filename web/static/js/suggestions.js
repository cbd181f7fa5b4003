// The "suggestions" field type: things one may open instead of sending (CONV-4, existing conversations).
// options: {url, watch: [field names]}; the url answers {title, items: [{label, detail, date, url}], count}.

import { api } from "./api.js";
import { h } from "./dom.js";
import { fullDate, shortDate } from "./format.js";

const DEBOUNCE_MS = 250;

/** ctx: {watch(names, fn), valueOf(name), allowLeave()} given by the send screen. */
export function suggestionsField(spec, { watch, valueOf, allowLeave = () => {} }) {
  const { url, watch: names = [] } = spec.options || {};
  const title = h("p", { class: "suggestions-title" });
  const list = h("ul", { class: "suggestions-list" });
  const more = h("p", { class: "hint", hidden: true });
  const el = h("section", { class: "suggestions", "aria-live": "polite", hidden: true }, title, list, more);
  let timer = null;
  let controller = null;
  let lastQuery = null;

  function params() {
    const query = new URLSearchParams();
    for (const name of names) {
      const value = valueOf(name);
      const text = Array.isArray(value) ? value.join(",") : (value ?? "");
      if (String(text) !== "") query.set(name, String(text));
    }
    return query.toString();
  }

  function hide() {
    el.hidden = true;
    list.replaceChildren();
  }

  async function refresh() {
    const query = params();
    if (query === lastQuery) return;
    lastQuery = query;
    if (controller) controller.abort();
    if (!query) return hide();
    controller = new AbortController();
    const mine = controller;
    let r;
    try {
      r = await api(`${url}${url.includes("?") ? "&" : "?"}${query}`, { signal: mine.signal });
    } catch (err) {
      if (err.name === "AbortError") return;
      throw err;
    }
    if (mine !== controller) return;
    if (!r.ok || !r.data.items || !r.data.items.length) return hide();
    show(r.data);
  }

  function show(data) {
    title.textContent = data.title || spec.label;
    list.replaceChildren(...data.items.map((item) => h("li", {},
      h("a", { href: item.url, class: "suggestion", onclick: () => allowLeave() },
        h("span", { class: "suggestion-label" }, item.label),
        item.detail ? h("span", { class: "suggestion-detail", title: "Participants" }, item.detail) : null,
        item.date ? h("time", { datetime: item.date, title: fullDate(item.date) }, shortDate(item.date)) : null))));
    const hidden = (data.count || 0) - data.items.length;
    more.hidden = hidden <= 0;
    more.textContent = hidden > 0 ? `… et ${hidden} autre${hidden > 1 ? "s" : ""}, à retrouver dans vos conversations.` : "";
    el.hidden = false;
  }

  watch(names, () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, DEBOUNCE_MS);
  });

  return {
    el, standalone: true, displayOnly: true,
    get: () => undefined,
    set: () => {},
    isEmpty: () => true,
  };
}
