// mailboxes.js — the mailbox column: "All mail" first, then one entry per envelope recipient,
// each with its unread count and its folders (folders.js). Selecting one scopes the message
// list to that recipient's INBOX, or to the folder chosen.

import * as api from "./api.js";
import { h, keep } from "./dom.js";
import { allTotal, folderList } from "./folders.js";
import { count } from "./format.js";

const sameAddress = (a, b) => (a || "").toLowerCase() === (b || "").toLowerCase();

export class MailboxList {
  constructor({ root, router, onError, onRender }) {
    this.root = root;
    this.onRender = onRender;
    this.router = router;
    this.onError = onError;
    this.boxes = [];
    this.all = { total: 0, unread: 0 };
    this.selected = router.current.mailbox;
    this.folder = router.current.folder;
    this.available = true;
  }

  async refresh() {
    const [boxes, all] = await Promise.allSettled([
      api.mailboxes(),
      api.listMessages({ start: 0, limit: 1 }),
    ]);
    if (boxes.status === "fulfilled") {
      this.boxes = boxes.value;
      this.available = true;
    } else {
      this.available = false;
      this.onError?.(`Could not load the mailboxes: ${boxes.reason.message}`);
    }
    if (all.status === "fulfilled") {
      this.all = { total: Number(all.value.total) || 0, unread: Number(all.value.unread) || 0 };
    }
    this.render();
  }

  /** Mark the entry of `address` (null: "All mail"; false: none, a panel is open), or its
   * `folder`. */
  select(address, folder = null) {
    this.selected = address;
    this.folder = folder;
    this.render();
  }

  /** How many messages an account's INBOX (or its `folder`) holds, as last listed. */
  count(address, folder = null) {
    const box = this.find(address);
    if (!box) return 0;
    return folder ? (box.folders.find((f) => f.name === folder)?.total ?? 0) : box.total;
  }

  /** The entry for an address, if the server listed it. */
  find(address) {
    return this.boxes.find((box) => sameAddress(box.address, address)) || null;
  }

  render() {
    // Mailboxes outlive their mail (they keep their IMAP state): list only those holding
    // some, plus the one on screen.
    const entries = [{ address: null, label: "All mail", ...this.all }];
    for (const box of this.boxes) {
      if (allTotal(box) > 0 || sameAddress(box.address, this.selected)) {
        entries.push({ ...box, label: box.address });
      }
    }
    if (this.selected && !this.find(this.selected)) {
      entries.push({ address: this.selected, label: this.selected, total: 0, unread: 0 });
    }
    const parts = entries.map((entry) => this.item(entry));
    if (!this.available) {
      const note = () => h("li", { class: "mailbox-note", text: "Mailbox list unavailable" });
      parts.push({ key: "\0note", shows: "", build: note });
    }
    keep(this.root, parts);
    this.onRender?.();
  }

  /** The entry's part for keep(): its key, what it shows, and how to build it. */
  item(entry) {
    const account = entry.address !== null && sameAddress(entry.address, this.selected);
    const selected =
      entry.address === null
        ? this.selected === null || this.selected === undefined
        : account && !this.folder;
    const folder = account ? this.folder : null;
    const target = {
      mailbox: entry.address,
      folder: null,
      message: null,
      query: this.router.current.query,
    };
    const href = this.router.link(target);
    return {
      key: entry.address ?? "",
      shows: JSON.stringify([entry, selected, folder, href]),
      build: () => this.build(entry, { selected, folder, target, href }),
    };
  }

  build(entry, { selected, folder, target, href }) {
    return h(
      "li",
      { class: entry.address === null ? "mailbox mailbox-all" : "mailbox" },
      h(
        "a",
        {
          href,
          class: entry.total === 0 ? "mailbox-link empty" : "mailbox-link",
          "aria-current": selected ? "page" : null,
          title: `${count(entry.total, "message")}, ${entry.unread.toLocaleString()} unread`,
          dataset: { mailbox: entry.address ?? "" },
          onclick: (event) => this.router.follow(event, target),
        },
        h("span", { class: "mailbox-name", text: entry.label }),
        entry.unread > 0
          ? h("span", {
              class: "badge",
              text: entry.unread.toLocaleString(),
              "aria-label": `${entry.unread} unread`,
            })
          : null,
      ),
      entry.folders ? folderList(entry, { selected: folder, router: this.router }) : null,
    );
  }
}
