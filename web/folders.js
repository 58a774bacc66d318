// folders.js — an account's folders under its entry in the mailbox column: INBOX is the account
// itself; Sent, Drafts, Trash and the folders IMAP clients make are listed below it, one level
// of the "/" hierarchy indented per level, each with its unread count.

import { h } from "./dom.js";
import { count } from "./format.js";

const INBOX = "INBOX";
const DELIMITER = "/";

/** The folders of an account other than INBOX, in order, as the server listed them. */
export function otherFolders(box) {
  return (box.folders || []).filter((folder) => folder.name.toUpperCase() !== INBOX);
}

/** Messages in every folder of an account (INBOX counted in `box.total`). */
export function allTotal(box) {
  return otherFolders(box).reduce((sum, folder) => sum + folder.total, box.total);
}

/** `<ul>` of an account's folders (`selected`: the folder on screen), or null when it has none
 * but INBOX. */
export function folderList(box, { selected, router }) {
  const folders = otherFolders(box);
  if (folders.length === 0) return null;
  return h(
    "ul",
    { class: "folder-list", "aria-label": `Folders of ${box.address}` },
    ...folders.map((folder) => folderItem(box, folder, folder.name === selected, router)),
  );
}

function folderItem(box, folder, selected, router) {
  const target = { mailbox: box.address, folder: folder.name, message: null, query: "" };
  const levels = folder.name.split(DELIMITER);
  // the depth is a data attribute styled in style.css: the viewer's CSP allows no inline style
  return h(
    "li",
    { class: "folder", dataset: { depth: String(Math.min(levels.length - 1, 4)) } },
    h(
      "a",
      {
        href: router.link(target),
        class: folder.total === 0 ? "mailbox-link folder-link empty" : "mailbox-link folder-link",
        "aria-current": selected ? "page" : null,
        title: `${folder.name}: ${count(folder.total, "message")}, ${folder.unread} unread`,
        dataset: { account: box.address, folder: folder.name },
        onclick: (event) => router.follow(event, target),
      },
      h("span", { class: "folder-name", text: levels[levels.length - 1] }),
      folder.unread > 0
        ? h("span", {
            class: "badge",
            text: folder.unread.toLocaleString(),
            "aria-label": `${folder.unread} unread`,
          })
        : null,
    ),
  );
}
