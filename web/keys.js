// keys.js — keyboard shortcuts, mail-client style:
//   j / ↓  next message        k / ↑  previous message     Enter  open
//   Delete delete              u      toggle read/unread   /      search
//   Escape close the message (or leave the search box)
// Shortcuts stay off while typing in a form field or with a dialog open.

import { isTyping } from "./dom.js";

const KEYMAP = {
  j: "next",
  ArrowDown: "next",
  k: "previous",
  ArrowUp: "previous",
  Enter: "open",
  Delete: "delete",
  u: "toggleRead",
  "/": "search",
  Escape: "close",
};

/** Call actions[name](event) for each shortcut; an action returning false lets the key through. */
export function installKeys(actions) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]")) return;
    if (isTyping(event.target)) {
      if (event.key === "Escape") actions.leaveSearch?.(event);
      return;
    }
    const name = KEYMAP[event.key];
    if (!name || !actions[name]) return;
    const target = event.target instanceof Element ? event.target : null;
    // Enter on a link or button, and arrows on the tab strip, keep their native meaning.
    if (name === "open" && target?.closest("a, button")) return;
    if (event.key.startsWith("Arrow") && target?.closest("[role='tablist'], iframe")) return;
    if (actions[name](event) !== false) event.preventDefault();
  });
}
