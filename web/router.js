// router.js — the URL fragment holds what the page shows, so any view can be shared as a link:
//   #mailbox=alice%40example.com&folder=Sent&q=subject%3Awelcome&message=ID
// (all optional: no mailbox means all mail, no folder the account's INBOX), or #view=refused
// for the refused-mail panel. Back and forward move between views.

const EMPTY = { mailbox: null, folder: null, message: null, query: "", view: null };

export function parse(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  return {
    mailbox: params.get("mailbox") || null,
    folder: (params.get("mailbox") && params.get("folder")) || null,
    message: params.get("message") || null,
    query: params.get("q") || "",
    view: params.get("view") || null,
  };
}

export function href(state) {
  const params = new URLSearchParams();
  if (state.mailbox) params.set("mailbox", state.mailbox);
  if (state.mailbox && state.folder) params.set("folder", state.folder);
  if (state.query) params.set("q", state.query);
  if (state.message) params.set("message", state.message);
  if (state.view) params.set("view", state.view);
  return `#${params.toString()}`;
}

export class Router {
  constructor() {
    this.current = { ...EMPTY, ...parse() };
    this.listeners = [];
    const fromUrl = () => this.update(parse());
    window.addEventListener("hashchange", fromUrl);
    window.addEventListener("popstate", fromUrl);
  }

  /** Call `listener(next, previous)` whenever the state changes. */
  subscribe(listener) {
    this.listeners.push(listener);
  }

  /**
   * Show `changes` applied to the current state; `replace` keeps the back button's history.
   * A panel (`view`) stays open only while the changes name it.
   */
  go(changes, { replace = false } = {}) {
    const next = { ...this.current, view: null, ...changes };
    const url = href(next);
    if (replace) history.replaceState(null, "", url);
    else if (url !== href(this.current)) history.pushState(null, "", url);
    this.update(next);
  }

  /** The link for a view (for <a href>). */
  link(changes) {
    return href({ ...this.current, view: null, ...changes });
  }

  /**
   * Make a plain click on an in-app link switch views without a page load; clicks with a
   * modifier key (new tab, new window) keep the browser's own behaviour.
   */
  follow(event, changes) {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    this.go(changes);
  }

  update(next) {
    const previous = this.current;
    if (
      previous.mailbox === next.mailbox &&
      previous.folder === next.folder &&
      previous.message === next.message &&
      previous.query === next.query &&
      previous.view === next.view
    ) {
      return;
    }
    this.current = next;
    for (const listener of this.listeners) listener(next, previous);
  }
}
