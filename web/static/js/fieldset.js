// The "fieldset" field type: fields a channel knows only at runtime (an expert's own questions, once the
// expert is chosen). options: {url, watch: [field names]}; whenever a watched field changes, the screen
// calls url?<field>=<value> and draws the answer {title, notice: {title, text, level} | null, fields}
// with the usual field renderers. Its value is {sub-field name: value}; an error named
// "<fieldset>.<sub-field>" is shown at that sub-field (kernel/channel.py).

import { api } from "./api.js";
import { h } from "./dom.js";

const DEBOUNCE_MS = 150;

/** ctx: the send screen's context, with renderField (to draw sub-fields) and watch/valueOf. */
export function fieldsetField(spec, ctx) {
  const { url, watch: names = [] } = spec.options || {};
  const legend = h("legend", { class: "fieldset-title" }, spec.label);
  const notice = h("div", { class: "fieldset-notice", hidden: true });
  const box = h("div", { class: "fieldset-fields" });
  const general = h("p", { class: "field-error", hidden: true });
  const el = h("fieldset", { class: "dynamic-fieldset", hidden: true }, legend, notice, box, general);
  let children = new Map();
  let restored = {};  // a draft's answers to questions not drawn yet
  let timer = null;
  let controller = null;
  let lastQuery = null;
  let loading = Promise.resolve();

  function params() {
    const query = new URLSearchParams();
    for (const name of names) {
      const value = ctx.valueOf(name);
      const text = Array.isArray(value) ? value.join(",") : (value ?? "");
      if (String(text) !== "") query.set(name, String(text));
    }
    return query.toString();
  }

  function clear() {
    children = new Map();
    box.replaceChildren();
    notice.replaceChildren();
    notice.hidden = true;
    el.hidden = true;
  }

  async function refresh() {
    const query = params();
    if (query === lastQuery) return;
    lastQuery = query;
    if (controller) controller.abort();
    if (!query) return clear();
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
    if (!r.ok) return clear();
    draw(r.data || {});
  }

  function draw(data) {
    // What was typed survives a redraw of the same questions; a draft taken back before they came waits for them.
    const kept = { ...restored, ...widget.get() };
    restored = {};
    legend.textContent = data.title || spec.label;
    const n = data.notice;
    notice.replaceChildren(...(n ? [n.title ? h("p", { class: "fieldset-notice-title" }, n.title) : null,
      h("p", { class: "fieldset-notice-text" }, n.text || "")] : []));
    notice.className = `fieldset-notice banner banner-${(n && n.level) || "info"}`;
    notice.hidden = !n;
    children = new Map();
    box.replaceChildren(...(data.fields || []).map((sub) => {
      const control = ctx.renderField({ ...sub, name: `${spec.name}.${sub.name}` }, ctx);
      children.set(sub.name, control);
      if (kept[sub.name] !== undefined && kept[sub.name] !== null) control.set(kept[sub.name]);
      else if (sub.default !== undefined && sub.default !== null) control.set(sub.default);  // a date: today
      return control.el;
    }));
    el.hidden = !n && !children.size;
  }

  ctx.watch(names, () => {
    clearTimeout(timer);
    loading = new Promise((resolve) => { timer = setTimeout(() => refresh().finally(resolve), DEBOUNCE_MS); });
  });

  const widget = {
    el, standalone: true, displayOnly: false,
    get: () => Object.fromEntries([...children].filter(([, c]) => !c.isEmpty()).map(([name, c]) => [name, c.get()])),
    set: (value) => {
      for (const [name, v] of Object.entries(value || {})) {
        const child = children.get(name);
        if (child) child.set(v);
        else restored[name] = v;
      }
    },
    isEmpty: () => [...children.values()].every((c) => c.isEmpty()),
    pending: () => loading,
    focus: () => { const first = [...children.values()][0]; if (first) first.focus(); },
    setErrors(messages) {
      const list = messages || [];
      general.hidden = !list.length;
      general.textContent = list.join(" ");
      if (!list.length) for (const c of children.values()) c.setErrors([]);
    },
    child: (name) => children.get(name) || null,
  };
  return widget;
}
