// view.js — the message view: header, actions (mark unread, download .eml, release, delete) and
// the HTML, text, headers, raw source, attachments and SMTP transcript tabs.
//
// HTML mail is only ever shown inside <iframe sandbox=""> pointing at /view/{ID}.html: no scripts,
// no forms, no popups, and a unique origin that can't read our API. Remote images stay blocked
// until the reader asks for them.

import * as api from "./api.js";
import { h, replace } from "./dom.js";
import { address, addressList, hasRemoteContent, longTime, size, splitLinks } from "./format.js";
import { ReleaseDialog } from "./release.js";
import { transcriptView } from "./transcript.js";

const TABS = ["html", "text", "headers", "raw", "attachments", "transcript"];
/** The raw tab shows at most this much of a message; the .eml download has all of it. */
const RAW_LIMIT = 2_000_000;

function filename(subject) {
  const base = (subject || "message").replace(/[\\/:*?"<>|\u0000-\u001f]+/g, " ").trim();
  return `${base.slice(0, 80) || "message"}.eml`;
}

export class MessageView {
  constructor({ onDelete, onReadChange, onError, tagEditor }) {
    this.onDelete = onDelete;
    this.tagEditor = tagEditor;
    this.onReadChange = onReadChange;
    this.onError = onError;
    const $ = (id) => document.getElementById(id);
    this.el = {
      placeholder: $("view-placeholder"),
      view: $("message-view"),
      subject: $("view-subject"),
      meta: $("view-meta"),
      tabs: $("view-tabs"),
      panel: $("view-panel"),
      notice: $("remote-notice"),
      loadRemote: $("load-remote"),
      toggleRead: $("view-toggle-read"),
      download: $("view-download"),
      delete: $("view-delete"),
      release: $("view-release"),
      status: $("view-status"),
    };
    this.id = null;
    this.message = null;
    this.tab = "html";
    this.ticket = 0;
    this.cache = {};
    this.el.tabs.addEventListener("click", (event) => {
      const button = event.target.closest("[role='tab']");
      if (button && !button.disabled) this.selectTab(button.dataset.tab, { focus: true });
    });
    this.el.tabs.addEventListener("keydown", (event) => this.tabKeys(event));
    this.el.loadRemote.addEventListener("click", () => {
      this.remote = true;
      this.renderPanel();
    });
    this.el.toggleRead.addEventListener("click", () => this.toggleRead());
    this.el.delete.addEventListener("click", () => this.id && this.onDelete(this.id));
    this.releaseDialog = new ReleaseDialog({
      onReleased: (id, to) => id === this.id && this.setStatus(`Released to ${to.join(", ")}`),
    });
    this.el.release.addEventListener("click", () => {
      if (this.message) this.releaseDialog.open(this.id, this.message);
    });
  }

  get isOpen() {
    return this.id !== null;
  }

  async open(id, mailbox, folder) {
    const ticket = ++this.ticket;
    this.id = id;
    this.mailbox = mailbox;
    this.folder = folder;
    this.message = null;
    this.cache = {};
    this.remote = false;
    this.el.placeholder.hidden = true;
    this.el.view.hidden = false;
    this.el.view.setAttribute("aria-busy", "true");
    this.setStatus("");
    let message;
    try {
      message = await api.message(id, mailbox, folder);
    } catch (error) {
      if (ticket !== this.ticket) return;
      this.el.view.removeAttribute("aria-busy");
      if (error.status === 404)
        this.gone("This message does not exist (it may have been deleted).");
      else this.gone(`Could not load this message: ${error.message}`);
      return;
    }
    if (ticket !== this.ticket) return;
    this.message = message;
    this.read = true; // reading it through the API marked it read
    this.onReadChange(id, true, { local: true });
    this.el.view.removeAttribute("aria-busy");
    this.renderHeader();
    const available = this.availableTabs();
    if (!available.has(this.tab)) this.tab = message.HTML ? "html" : "text";
    this.renderTabs();
    this.renderPanel();
  }

  close() {
    this.ticket++;
    this.id = null;
    this.message = null;
    this.el.view.hidden = true;
    this.el.placeholder.hidden = false;
    replace(this.el.panel);
  }

  /** The open message was deleted (here, in another tab, or by another client). */
  gone(text = "This message was deleted.") {
    this.message = null;
    this.el.view.hidden = false;
    this.el.placeholder.hidden = true;
    this.el.subject.textContent = "";
    replace(this.el.meta);
    this.el.notice.hidden = true;
    this.el.tabs.hidden = true;
    this.setActionsEnabled(false);
    replace(this.el.panel, h("p", { class: "gone", text }));
  }

  setStatus(text) {
    this.el.status.textContent = text;
  }

  setActionsEnabled(enabled) {
    this.el.toggleRead.disabled = !enabled;
    this.el.delete.disabled = !enabled;
    this.el.release.disabled = !enabled;
    if (enabled) this.el.download.removeAttribute("aria-disabled");
    else {
      this.el.download.setAttribute("aria-disabled", "true");
      this.el.download.removeAttribute("href");
    }
  }

  /** The open message's tags changed (here or elsewhere). */
  setTags(tags) {
    if (!this.message) return;
    this.message.Tags = tags;
    this.tagEditor.show(this.id, tags);
  }

  /** Another client changed the read state of the open message. */
  setRead(read) {
    this.read = read;
    this.renderReadButton();
  }

  async toggleRead() {
    if (!this.message) return;
    const read = !this.read;
    try {
      await api.setRead([this.id], read, this.mailbox, this.folder);
    } catch (error) {
      this.onError(`Could not mark the message ${read ? "read" : "unread"}: ${error.message}`);
      return;
    }
    this.setRead(read);
    this.onReadChange(this.id, read, { local: false });
    this.setStatus(read ? "Marked read" : "Marked unread");
  }

  renderReadButton() {
    this.el.toggleRead.querySelector(".label").textContent = this.read
      ? "Mark unread"
      : "Mark read";
  }

  renderHeader() {
    const m = this.message;
    this.el.subject.textContent = m.Subject || "(no subject)";
    const rows = [
      ["From", address(m.From)],
      ["To", addressList(m.To)],
      ["Cc", addressList(m.Cc)],
      ["Bcc", addressList(m.Bcc)],
      ["Reply-To", addressList(m.ReplyTo)],
      ["Date", longTime(m.Date)],
      ["Size", m.Size ? size(m.Size) : ""],
    ];
    this.tagEditor.show(this.id, m.Tags);
    replace(
      this.el.meta,
      rows
        .filter(([, value]) => value)
        .map(([name, value]) =>
          h("div", { class: "meta-row" }, h("dt", { text: name }), h("dd", { text: value })),
        ),
      h("div", { class: "meta-row" }, h("dt", { text: "Tags" }), this.tagEditor.el),
    );
    this.setActionsEnabled(true);
    this.renderReadButton();
    this.el.download.href = api.urls.raw(this.id);
    this.el.download.setAttribute("download", filename(m.Subject));
  }

  attachments() {
    const m = this.message;
    return [
      ...(m.Attachments || []).map((a) => ({ ...a, inline: false })),
      ...(m.Inline || []).map((a) => ({ ...a, inline: true })),
    ];
  }

  availableTabs() {
    const tabs = new Set(TABS);
    if (!this.message.HTML) tabs.delete("html");
    return tabs;
  }

  renderTabs() {
    this.el.tabs.hidden = false;
    const available = this.availableTabs();
    for (const button of this.el.tabs.querySelectorAll("[role='tab']")) {
      const name = button.dataset.tab;
      const selected = name === this.tab;
      button.disabled = !available.has(name);
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
      if (name === "attachments") {
        const n = this.attachments().length;
        button.querySelector(".count").textContent = n ? ` (${n})` : "";
      }
    }
    this.el.panel.setAttribute("aria-labelledby", `tab-${this.tab}`);
  }

  selectTab(name, { focus = false } = {}) {
    if (!this.message || !this.availableTabs().has(name)) return;
    this.tab = name;
    this.renderTabs();
    this.renderPanel();
    if (focus) this.el.tabs.querySelector(`[data-tab='${name}']`).focus();
  }

  tabKeys(event) {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step || !this.message) return;
    event.preventDefault();
    const names = TABS.filter((name) => this.availableTabs().has(name));
    const next = names[(names.indexOf(this.tab) + step + names.length) % names.length];
    this.selectTab(next, { focus: true });
  }

  async renderNotice() {
    const ticket = this.ticket;
    const blocked = this.tab === "html" && !this.remote && hasRemoteContent(this.message.HTML);
    this.el.notice.hidden = !blocked;
    if (!blocked) return;
    const canLoad = await api.canLoadRemoteImages();
    if (ticket === this.ticket) this.el.loadRemote.hidden = !canLoad;
  }

  async renderPanel() {
    const ticket = this.ticket;
    const tab = this.tab;
    this.renderNotice();
    let content;
    try {
      content = await this[`${tab}Panel`]();
    } catch (error) {
      content = h("p", { class: "error", text: `Could not load the ${tab}: ${error.message}` });
    }
    if (ticket !== this.ticket || tab !== this.tab) return;
    replace(this.el.panel, content);
    this.el.panel.dataset.tab = tab;
  }

  htmlPanel() {
    return h("iframe", {
      class: "html-body",
      sandbox: "",
      referrerpolicy: "no-referrer",
      title: "HTML body of the message",
      src: api.urls.html(this.id, this.remote),
    });
  }

  textPanel() {
    const text = this.message.Text || "";
    if (!text.trim()) return h("p", { class: "empty", text: "This message has no text part." });
    const pieces = splitLinks(text).map((piece) =>
      typeof piece === "string"
        ? piece
        : h("a", {
            href: piece.url,
            target: "_blank",
            rel: "noopener noreferrer",
            text: piece.url,
          }),
    );
    return h("pre", { class: "text-body" }, pieces);
  }

  async headersPanel() {
    this.cache.headers ??= await api.headers(this.id);
    const rows = [];
    for (const [name, values] of Object.entries(this.cache.headers)) {
      for (const value of [values].flat()) {
        rows.push(h("tr", {}, h("th", { scope: "row", text: name }), h("td", { text: value })));
      }
    }
    return h("table", { class: "headers-table" }, h("tbody", {}, rows));
  }

  async rawPanel() {
    this.cache.raw ??= await api.raw(this.id);
    const raw = this.cache.raw;
    const cut = raw.length > RAW_LIMIT;
    return h(
      "div",
      { class: "raw" },
      cut
        ? h("p", {
            class: "notice",
            text:
              `Showing the first ${size(RAW_LIMIT)} of ${size(raw.length)}; ` +
              "download the .eml for all of it.",
          })
        : null,
      h("pre", { class: "raw-source", text: cut ? raw.slice(0, RAW_LIMIT) : raw }),
    );
  }

  async transcriptPanel() {
    this.cache.transcript ??= await transcriptView(this.id);
    return this.cache.transcript;
  }

  attachmentsPanel() {
    const list = this.attachments();
    if (!list.length) return h("p", { class: "empty", text: "This message has no attachments." });
    return h(
      "ul",
      { class: "attachments" },
      list.map((a) =>
        h(
          "li",
          {},
          h("a", {
            class: "attachment-name",
            href: api.urls.part(this.id, a.PartID),
            download: a.FileName || `part-${a.PartID}`,
            text: a.FileName || `(unnamed part ${a.PartID})`,
          }),
          h("span", {
            class: "attachment-info",
            text: [a.ContentType, size(a.Size), a.inline ? "inline" : ""]
              .filter(Boolean)
              .join(" · "),
          }),
        ),
      ),
    );
  }
}
