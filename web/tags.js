// tags.js — tags (Mailpit's labels): the column listing every tag with its message count, the
// chips that show a message's tags, and the editor that sets them. A tag links to the search
// tag:NAME, so filtering by tag is a search like any other (and a shareable URL).

import * as api from "./api.js";
import { h, keep, replace } from "./dom.js";
import { count, tagQuery } from "./format.js";

/** Links to the search of each tag, for a list row or the message header. */
export function tagChips(tags, router) {
  return (tags || []).map((tag) => {
    const target = { query: tagQuery(tag), message: null };
    return h("a", {
      class: "tag",
      href: router.link(target),
      title: `Messages tagged ${tag}`,
      text: tag,
      onclick: (event) => {
        event.stopPropagation();
        router.follow(event, target);
      },
    });
  });
}

/** The Tags section of the mailbox column: every tag in use, with how many messages carry it. */
export class TagList {
  constructor({ root, heading, router, onError }) {
    this.root = root;
    this.heading = heading;
    this.router = router;
    this.onError = onError;
    this.counts = {};
  }

  async refresh() {
    try {
      this.counts = await api.tagCounts();
    } catch (error) {
      this.onError?.(`Could not load the tags: ${error.message}`);
      return;
    }
    this.render();
  }

  render() {
    const names = Object.keys(this.counts);
    this.root.hidden = this.heading.hidden = names.length === 0;
    const current = this.router.current.query;
    keep(
      this.root,
      names.map((name) => {
        const target = { query: tagQuery(name), message: null, view: null };
        const total = Number(this.counts[name]) || 0;
        const href = this.router.link(target);
        const shown = current === target.query;
        return {
          key: name,
          shows: JSON.stringify([total, href, shown]),
          build: () => this.build(name, { target, total, href, shown }),
        };
      }),
    );
  }

  build(name, { target, total, href, shown }) {
    return h(
      "li",
      { class: "mailbox" },
      h(
        "a",
        {
          class: "mailbox-link",
          href,
          "aria-current": shown ? "page" : null,
          title: count(total, "message"),
          dataset: { tag: name },
          onclick: (event) => this.router.follow(event, target),
        },
        h("span", { class: "mailbox-name", text: name }),
        h("span", { class: "tag-count", text: total.toLocaleString() }),
      ),
    );
  }
}

/**
 * The Tags row of the message header: the message's tags and an Edit button that turns the row
 * into a comma-separated field (Enter or Save sets them, Escape or Cancel leaves them).
 */
export class TagEditor {
  constructor({ router, onSaved, onError }) {
    this.router = router;
    this.onSaved = onSaved;
    this.onError = onError;
    this.el = h("dd", { class: "tags" });
    this.id = null;
    this.tags = [];
  }

  show(id, tags) {
    this.id = id;
    this.tags = tags || [];
    this.render();
  }

  render() {
    replace(
      this.el,
      tagChips(this.tags, this.router),
      this.tags.length ? null : h("span", { class: "muted", text: "none" }),
      h("button", {
        class: "link-button",
        type: "button",
        id: "edit-tags",
        text: "Edit tags",
        onclick: () => this.edit(),
      }),
    );
  }

  edit() {
    const input = h("input", {
      id: "tag-input",
      type: "text",
      value: this.tags.join(", "),
      "aria-label": "Tags, separated by commas",
      placeholder: "tag one, tag two",
      autocomplete: "off",
      onkeydown: (event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          event.stopPropagation();
          this.render();
        }
      },
    });
    const form = h(
      "form",
      {
        class: "tag-editor",
        onsubmit: (event) => {
          event.preventDefault();
          this.save(input.value);
        },
      },
      input,
      h("button", { class: "button", type: "submit", id: "save-tags", text: "Save" }),
      h("button", {
        class: "button button-quiet",
        type: "button",
        text: "Cancel",
        onclick: () => this.render(),
      }),
    );
    replace(this.el, form);
    input.focus();
  }

  async save(text) {
    const id = this.id;
    const tags = text
      .split(",")
      .map((tag) => tag.trim())
      .filter(Boolean);
    try {
      await api.setTags([id], tags);
    } catch (error) {
      this.onError(`Could not set the tags: ${error.message}`);
      return;
    }
    if (id === this.id) this.onSaved(id);
  }
}
