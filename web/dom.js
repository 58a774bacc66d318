// dom.js — building DOM nodes safely.
//
// Every piece of text from a message reaches the page through text nodes or setAttribute, never
// through innerHTML, so mail content can't inject markup into our own page. Also a promise-based
// confirmation dialog built on <dialog>, which needs no inline script or style under our CSP.

/**
 * h("a", {href: "#x", class: "row", onclick: fn}, "text", childNode) -> HTMLElement.
 * Props: "class", "text" (textContent), "dataset" (object), "on<event>" (listener); anything
 * else is an attribute (true -> empty attribute, null/false/undefined -> left out).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** Append children (nodes, strings, arrays of them; null and false are skipped). */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replace everything inside `el` with `children`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

const SHOWN = Symbol("the key and the text of what a kept node shows");

/**
 * Make `el`'s children one node for each of `parts` ({key, shows, build}), keeping in place each
 * child built for the same key that shows the same (`shows`: a string of all its node displays
 * and links to); `build()` makes a new one. A live refresh that changes nothing then touches no
 * node, and one that adds a row moves none: a node replaced under the pointer between a click's
 * mousedown and mouseup loses the click.
 */
export function keep(el, parts) {
  const built = new Map();
  for (const child of el.children) if (child[SHOWN]) built.set(child[SHOWN].key, child);
  const nodes = parts.map(({ key, shows, build }) => {
    const node = built.get(key);
    if (node && node[SHOWN].shows === shows) return node;
    const fresh = build();
    fresh[SHOWN] = { key, shows };
    return fresh;
  });
  const wanted = new Set(nodes);
  for (const child of [...el.children]) if (!wanted.has(child)) child.remove();
  // (with the others gone first, a kept node is only moved if the order changed)
  nodes.forEach((node, i) => {
    if (el.children[i] !== node) el.insertBefore(node, el.children[i] || null);
  });
}

/** True when keyboard input is going to a form field (so single-key shortcuts stay off). */
export function isTyping(target) {
  if (!(target instanceof Element)) return false;
  return target.closest("input, textarea, select, [contenteditable='true']") !== null;
}

/**
 * Ask the user to confirm through the page's <dialog id="confirm-dialog">; resolves to true
 * when they press the confirming button.
 */
export function confirmAction(question, confirmLabel = "Delete") {
  const dialog = document.getElementById("confirm-dialog");
  dialog.querySelector(".confirm-text").textContent = question;
  dialog.querySelector("button[value='yes']").textContent = confirmLabel;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
    dialog.showModal();
    dialog.querySelector("button[value='no']").focus();
  });
}
