// The "suggestions" field type: what the screen knows about the fields being typed. Things one may open instead
// of sending (CONV-4, existing conversations), facts about a value (USAGER-2, who an INS reaches), problems with it.
// options: {url, watch: [field names]}; the url answers {title, lines: [text], items: [{label, detail, date, url}],
// count, errors: {watched field: [messages]}}: lines and items are shown here, errors at their fields.

import { api } from "./api.js";
import { h } from "./dom.js";
import { fullDate, shortDate } from "./format.js";

const DEBOUNCE_MS = 250;

/** ctx: {watch(names, fn), valueOf(name), allowLeave(), setErrors(name, messages)} given by the send screen. */
export function suggestionsField(spec, { watch, valueOf, allowLeave = () => {}, setErrors = () => {} }) {
  const { url, watch: names = [] } = spec.options || {};
  const title = h("p", { class: "suggestions-title" });
  const lines = h("div", { class: "suggestions-lines" });
  const list = h("ul", { class: "suggestions-list" });
  const more = h("p", { class: "hint", hidden: true });
  const el = h("section", { class: "suggestions", "aria-live": "polite", hidden: true }, title, lines, list, more);
  let timer = null;
  let controller = null;
  let lastQuery = null;
  let flagged = [];  // the watched fields this answer put errors on (cleared by the next answer)

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
    lines.replaceChildren();
  }

  function flag(errors) {
    for (const name of flagged) setErrors(name, []);
    flagged = Object.keys(errors || {}).filter((name) => names.includes(name));
    for (const name of flagged) setErrors(name, errors[name]);
  }

  async function refresh() {
    const query = params();
    if (query === lastQuery) return;
    lastQuery = query;
    if (controller) controller.abort();
    if (!query) {
      flag({});
      return hide();
    }
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
    flag(r.ok ? r.data.errors : {});
    const empty = !r.ok || (!(r.data.items || []).length && !(r.data.lines || []).length);
    if (empty) return hide();
    show(r.data);
  }

  function show(data) {
    title.textContent = data.title || spec.label;
    lines.replaceChildren(...(data.lines || []).map((line) => h("p", { class: "suggestions-line" }, line)));
    list.replaceChildren(...(data.items || []).map((item) => h("li", {},
      h("a", { href: item.url, class: "suggestion", onclick: () => allowLeave() },
        h("span", { class: "suggestion-label" }, item.label),
        item.detail ? h("span", { class: "suggestion-detail", title: item.detail_title || "Participants" }, item.detail) : null,
        item.date ? h("time", { datetime: item.date, title: fullDate(item.date) }, shortDate(item.date)) : null))));
    const hidden = (data.count || 0) - (data.items || []).length;
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
