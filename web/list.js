// list.js — the message list: one page of summaries at a time from the server (so it stays fast
// with 10,000 messages), unread state, attachment markers, a keyboard cursor and paging.

import * as api from "./api.js";
import { h, keep } from "./dom.js";
import { addressList, count, longTime, shortAddress, shortTime } from "./format.js";
import { icon } from "./icons.js";

export const PAGE_SIZE = 50;

export class MessageList {
  constructor({ router, onError, pageSize = PAGE_SIZE }) {
    this.router = router;
    this.onError = onError;
    this.pageSize = pageSize;
    this.el = {
      list: document.getElementById("message-list"),
      empty: document.getElementById("list-empty"),
      title: document.getElementById("list-title"),
      count: document.getElementById("list-count"),
      pageInfo: document.getElementById("page-info"),
      newer: document.getElementById("page-newer"),
      older: document.getElementById("page-older"),
    };
    this.el.newer.addEventListener("click", () => this.page(-1));
    this.el.older.addEventListener("click", () => this.page(1));
    this.filter = { mailbox: null, folder: null, query: "" };
    this.start = 0;
    this.wanted = 0;
    this.items = [];
    this.matching = 0;
    this.cursor = -1;
    this.activeId = null;
    this.loading = 0;
    this.loaded = false;
    this.problem = null;
  }

  /** Show the first page for a mailbox and search (or the page at `start`). */
  async load(filter, { start = 0 } = {}) {
    const ticket = ++this.loading;
    this.filter = { mailbox: filter.mailbox, folder: filter.folder, query: filter.query };
    this.wanted = start;
    let data;
    try {
      data = await api.listMessages({ ...this.filter, start, limit: this.pageSize });
    } catch (error) {
      if (ticket !== this.loading) return;
      if (error.status === 400 && this.filter.query) this.showSearchProblem(error.message);
      else this.onError?.(`Could not load messages: ${error.message}`);
      return;
    }
    if (ticket !== this.loading) return; // a newer load overtook this one
    this.problem = null;
    const matching = Number(data.messages_count ?? data.total ?? 0);
    const messages = data.messages || [];
    if (messages.length === 0 && start > 0 && matching > 0) {
      // the page emptied (deletions): show the last page that has messages
      await this.load(filter, {
        start: Math.max(0, (Math.ceil(matching / this.pageSize) - 1) * this.pageSize),
      });
      return;
    }
    const cursorId = this.cursorId();
    this.start = Number(data.start ?? start) || 0;
    this.items = messages;
    this.matching = matching;
    this.loaded = true;
    const keep = this.items.findIndex((m) => m.ID === cursorId);
    this.cursor = keep >= 0 ? keep : Math.min(this.cursor, this.items.length - 1);
    this.render();
  }

  /** The server could not understand the search: say why instead of listing anything. */
  showSearchProblem(message) {
    this.problem = `This search is not understood: ${message}`;
    this.items = [];
    this.matching = 0;
    this.start = 0;
    this.cursor = -1;
    this.loaded = true;
    this.render();
  }

  /** Reload the page on screen (after live events). */
  refresh() {
    return this.load(this.filter, { start: this.wanted });
  }

  page(direction) {
    const start = this.start + direction * this.pageSize;
    if (start < 0 || start >= this.matching) return Promise.resolve(false);
    this.cursor = direction > 0 ? 0 : this.pageSize - 1;
    return this.load(this.filter, { start }).then(() => true);
  }

  cursorId() {
    return this.items[this.cursor]?.ID ?? null;
  }

  /** The item after `id` on this page, or the one before it: where to go once `id` is gone. */
  neighbour(id) {
    const index = this.items.findIndex((m) => m.ID === id);
    if (index < 0) return null;
    return (this.items[index + 1] || this.items[index - 1] || null)?.ID ?? null;
  }

  /**
   * Move the cursor by `delta` rows (crossing to the next or previous page at the ends);
   * resolves to the ID now under the cursor.
   */
  async move(delta) {
    if (this.items.length === 0) return null;
    const target = this.cursor < 0 ? (delta > 0 ? 0 : this.items.length - 1) : this.cursor + delta;
    if (target >= this.items.length) {
      if (!(await this.page(1))) return this.cursorId();
    } else if (target < 0) {
      if (!(await this.page(-1))) return this.cursorId();
      this.cursor = this.items.length - 1;
    } else {
      this.cursor = target;
    }
    this.renderCursor(true, true);
    return this.cursorId();
  }

  /** Mark which message is open in the view (scrolling its row into sight if asked). */
  setActive(id, { scroll = false } = {}) {
    this.activeId = id;
    const index = this.items.findIndex((m) => m.ID === id);
    if (index >= 0) this.cursor = index;
    for (const row of this.el.list.children) {
      const link = row.querySelector(".message-link");
      if (row.dataset.id === id) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    }
    this.renderCursor(false, scroll);
  }

  markRead(id, read) {
    const item = this.items.find((m) => m.ID === id);
    if (!item || item.Read === read) return;
    item.Read = read;
    this.render();
  }

  remove(id) {
    const index = this.items.findIndex((m) => m.ID === id);
    if (index < 0) return;
    this.items.splice(index, 1);
    this.matching = Math.max(0, this.matching - 1);
    if (this.cursor > index || this.cursor >= this.items.length) this.cursor -= 1;
    this.render();
  }

  row(id) {
    return [...this.el.list.children].find((row) => row.dataset.id === id) || null;
  }

  render() {
    const focusedId = document.activeElement?.closest?.("#message-list li")?.dataset.id;
    keep(
      this.el.list,
      this.items.map((m, i) => ({
        key: m.ID,
        shows: JSON.stringify([this.router.link({ message: m.ID }), m]),
        build: () => this.renderRow(m, i),
      })),
    );
    this.el.empty.hidden = this.items.length > 0 || !this.loaded;
    this.el.empty.textContent =
      this.problem || (this.filter.query ? "No messages match this search." : "No messages yet.");
    document.getElementById("search").setAttribute("aria-invalid", String(Boolean(this.problem)));
    this.renderHeading();
    this.renderPager();
    this.setActive(this.activeId);
    if (focusedId)
      this.row(focusedId)?.querySelector(".message-link").focus({ preventScroll: true });
  }

  renderHeading() {
    const { mailbox, folder } = this.filter;
    this.el.title.textContent = mailbox ? (folder ? `${mailbox} › ${folder}` : mailbox) : "All mail";
    this.el.title.title = this.el.title.textContent;
    this.el.count.textContent = this.filter.query
      ? `${count(this.matching, "match")}`
      : `${count(this.matching, "message")}`;
  }

  renderPager() {
    const first = this.matching === 0 ? 0 : this.start + 1;
    const last = this.start + this.items.length;
    this.el.pageInfo.textContent =
      this.matching > this.pageSize
        ? `${first.toLocaleString()}–${last.toLocaleString()} of ${this.matching.toLocaleString()}`
        : "";
    this.el.newer.disabled = this.start === 0;
    this.el.older.disabled = last >= this.matching;
    this.el.newer.parentElement.hidden = this.matching <= this.pageSize;
  }

  renderCursor(focus, scroll = focus) {
    [...this.el.list.children].forEach((row, i) =>
      row.classList.toggle("cursor", i === this.cursor),
    );
    const row = this.el.list.children[this.cursor];
    if (!row) return;
    if (focus) row.querySelector(".message-link").focus({ preventScroll: true });
    if (scroll) row.scrollIntoView({ block: "nearest" });
  }

  renderRow(m, index) {
    const target = { message: m.ID };
    const recipients = addressList([...(m.To || []), ...(m.Cc || [])], true);
    const attachments = Number(m.Attachments) || 0;
    return h(
      "li",
      {
        class: ["message", m.Read ? "read" : "unread", index === this.cursor ? "cursor" : ""]
          .filter(Boolean)
          .join(" "),
        dataset: { id: m.ID },
      },
      h(
        "a",
        {
          class: "message-link",
          href: this.router.link(target),
          onclick: (event) => this.router.follow(event, target),
          onfocus: () => {
            this.cursor = this.items.findIndex((item) => item.ID === m.ID);
            this.renderCursor(false, false);
          },
        },
        h(
          "span",
          { class: "unread-dot", title: m.Read ? null : "Unread" },
          m.Read ? "" : h("span", { class: "sr-only", text: "Unread: " }),
        ),
        h("span", { class: "from", text: shortAddress(m.From) || "(no sender)" }),
        h("time", {
          class: "time",
          datetime: m.Created,
          title: longTime(m.Created),
          text: shortTime(m.Created),
        }),
        h("span", { class: "subject", text: m.Subject || "(no subject)" }),
        attachments
          ? h(
              "span",
              { class: "attachment-marker", title: count(attachments, "attachment") },
              icon("attachment"),
              h("span", { class: "sr-only", text: count(attachments, "attachment") }),
            )
          : null,
        h("span", { class: "recipients", text: recipients ? `To ${recipients}` : "" }),
        m.Tags?.length
          ? h(
              "span",
              { class: "tags" },
              h("span", { class: "sr-only", text: "Tags: " }),
              m.Tags.map((tag) => h("span", { class: "tag", text: tag })),
            )
          : null,
        h("span", { class: "snippet", text: m.Snippet || "" }),
      ),
    );
  }
}
