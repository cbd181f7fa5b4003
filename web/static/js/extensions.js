// What plugins add to the shell's pages in the browser. A plugin's script (page_assets hook) imports this
// module as "relais/extensions.js" and registers here before the page's own script runs; the pages
// consult the registry and never name a plugin.

const spaceViews = new Map();  // space ("chat", "mail") -> factory
const threadViews = new Map();  // channel name -> factory
const messageRenderers = new Map();  // message kind -> render(message, context) -> <li>

/**
 * A space of the inbox with its own listing (mailboxes, folders, search...).
 * factory({onChange()}) -> {
 *   nav?: Element,          shown at the top of the space's side navigation
 *   tools?: Element,        shown above the list (a search box)
 *   probe(): Promise<bool>, whether the view can be used (its routes answer); else the plain list is shown
 *   load(limit): Promise<{ok, exchanges, errors}>,
 *   row(exchange): Element, one <li> of the list
 *   emptyText(): string,    said when the list is empty
 *   show?(visible),         the space was selected or left
 * }
 * onChange() asks the inbox to list again (a folder or a search changed).
 */
export function registerSpaceView(space, factory) {
  spaceViews.set(space, factory);
}

export function spaceView(space) {
  return spaceViews.get(space) || null;
}

/**
 * The thread page of one channel's exchanges, when they need their own tools (reply, forward...).
 * factory({exchangeId, exchange, identities: Set, list, live, onSent(message), refreshHeader(),
 *   patient() -> the exchange's patient now}) -> {
 *   replacesComposer?: bool, the view brings its own writing box: the conversation composer is hidden
 *   messages?(messages),     every batch of messages added to the page (first page, older, live)
 *   shown?(message, element), one message just added
 * }
 */
export function registerThreadView(channel, factory) {
  threadViews.set(channel, factory);
}

export function threadView(channel) {
  return threadViews.get(channel) || null;
}

/**
 * How messages of one kind look in a thread (a mail as a mail): render(message, {accountId}) -> an
 * <li class="msg"> with data-id (the message's id) and data-day (format.js dayKey), holding a
 * <time datetime> of its date: the page orders, separates by day and marks receipts with them.
 */
export function registerMessageRenderer(kind, render) {
  messageRenderers.set(kind, render);
}

export function messageRenderer(kind) {
  return messageRenderers.get(kind) || null;
}
