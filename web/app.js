// app.js — the viewer's entry point: wires the URL (router.js), the JSON API (api.js), the live
// feed (live.js) and the three panes — mailboxes, message list, message view — together, and
// the refused-mail panel (refused.js) that takes the place of the list and view when open.

import * as api from "./api.js";
import { confirmAction } from "./dom.js";
import { decorate } from "./icons.js";
import { installKeys } from "./keys.js";
import { MessageList } from "./list.js";
import { LiveFeed } from "./live.js";
import { MailboxList } from "./mailboxes.js";
import { RefusedPanel } from "./refused.js";
import { Router } from "./router.js";
import { TagEditor, TagList } from "./tags.js";
import { MessageView } from "./view.js";

const $ = (id) => document.getElementById(id);
const SEARCH_DELAY = 250;
const REFRESH_DELAY = 150;

/** Run `fn` at most once per `wait` ms, never twice at the same time, and once more after. */
function throttle(fn, wait) {
  let timer = null;
  let running = false;
  let again = false;
  const run = async () => {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await fn();
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    timer ??= setTimeout(run, wait);
  };
  return schedule;
}

// -- error messages ------------------------------------------------------------------------------

const errorBanner = $("error-banner");
let errorTimer = null;
function showError(text) {
  errorBanner.querySelector(".banner-text").textContent = text;
  errorBanner.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => (errorBanner.hidden = true), 8000);
}
errorBanner.querySelector("button").addEventListener("click", () => (errorBanner.hidden = true));

// -- the panes -----------------------------------------------------------------------------------

const router = new Router();
const mailboxes = new MailboxList({
  root: $("mailbox-list"),
  router,
  onError: showError,
  onRender: () => updateTitle(),
});
const tags = new TagList({
  root: $("tag-list"),
  heading: $("tags-heading"),
  router,
  onError: showError,
});
const list = new MessageList({ router, onError: showError });
const tagEditor = new TagEditor({
  router,
  onError: showError,
  onSaved: async (id) => {
    try {
      const message = await api.message(id, router.current.mailbox);
      if (view.id === id) view.setTags(message.Tags || []);
    } catch (error) {
      showError(`Could not reload the message: ${error.message}`);
    }
    refreshSoon();
  },
});
const view = new MessageView({
  tagEditor,
  onDelete: (id) => deleteMessage(id),
  onError: showError,
  onReadChange: (id, read) => {
    list.markRead(id, read);
    refreshMailboxesSoon();
  },
});

const refused = new RefusedPanel({ onError: showError });
const refusedLink = $("refused-link");
refusedLink.addEventListener("click", (event) =>
  router.follow(event, { view: "refused", message: null }),
);

const refreshSoon = throttle(
  () => Promise.all([list.refresh(), mailboxes.refresh(), tags.refresh()]),
  REFRESH_DELAY,
);
const refreshMailboxesSoon = throttle(
  () => Promise.all([mailboxes.refresh(), tags.refresh()]),
  REFRESH_DELAY,
);

function updateTitle() {
  const unread = mailboxes.all.unread;
  const { mailbox, folder, view } = router.current;
  let where = mailbox ? (folder ? `${folder} — ${mailbox}` : mailbox) : "All mail";
  if (view) where = "Refused mail";
  document.title = `${unread ? `(${unread}) ` : ""}${where} — mailtrap`;
}

function show(next, previous) {
  const panel = next.view === "refused";
  document.body.classList.toggle("has-message", Boolean(next.message));
  document.body.classList.toggle("showing-refused", panel);
  refusedLink.setAttribute("aria-current", panel ? "page" : "false");
  refused.show(panel);
  setDrawer(false);
  mailboxes.select(panel ? false : next.mailbox, panel ? null : next.folder);
  tags.render();
  syncSearchBox(next.query);
  const listChanged =
    !previous ||
    next.mailbox !== previous.mailbox ||
    next.folder !== previous.folder ||
    next.query !== previous.query;
  const messageChanged = !previous || listChanged || next.message !== previous.message;
  if (listChanged) {
    list.setActive(next.message);
    list.load(next).then(() => {
      list.setActive(router.current.message, { scroll: true });
      if (view.message && view.read) list.markRead(view.id, true);
    });
  }
  if (messageChanged) {
    list.setActive(next.message);
    if (next.message) view.open(next.message, next.mailbox, next.folder);
    else view.close();
  }
  updateTitle();
}
router.subscribe(show);

// -- actions -------------------------------------------------------------------------------------

async function deleteMessage(id) {
  const { mailbox, folder, message } = router.current;
  const next = message === id ? list.neighbour(id) : null;
  const wasCursor = list.cursorId() === id;
  try {
    await api.deleteMessages([id], mailbox, folder);
  } catch (error) {
    showError(`Could not delete the message: ${error.message}`);
    return;
  }
  list.remove(id);
  if (message === id) router.go({ message: next }, { replace: true });
  else if (wasCursor) list.renderCursor(true);
  refreshSoon();
}

async function deleteAll() {
  const { mailbox, folder } = router.current;
  const total = mailbox ? mailboxes.count(mailbox, folder) : mailboxes.all.total;
  const where = mailbox ? `in ${folder ? `${folder} of ` : ""}${mailbox}` : "in every mailbox";
  const question = `Delete all ${total.toLocaleString()} messages ${where}?`;
  if (!(await confirmAction(question, "Delete all"))) return;
  try {
    await api.deleteAll(mailbox, folder);
  } catch (error) {
    showError(`Could not delete the messages: ${error.message}`);
    return;
  }
  router.go({ message: null });
  refreshSoon();
}
$("delete-all").addEventListener("click", deleteAll);

async function toggleCursorRead() {
  const id = list.cursorId();
  const item = list.items[list.cursor];
  if (!id || !item) return;
  try {
    await api.setRead([id], !item.Read, router.current.mailbox, router.current.folder);
  } catch (error) {
    showError(`Could not change the read state: ${error.message}`);
    return;
  }
  list.markRead(id, !item.Read);
  refreshMailboxesSoon();
}

// -- search --------------------------------------------------------------------------------------

const search = $("search");
let searchTimer = null;
function syncSearchBox(query) {
  if (document.activeElement !== search && search.value !== query) search.value = query;
}
function runSearch() {
  clearTimeout(searchTimer);
  const query = search.value.trim();
  if (query !== router.current.query) router.go({ query, message: null }, { replace: true });
}
search.addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, SEARCH_DELAY);
});
$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  runSearch();
});

// -- narrow screens: the mailbox drawer and the back button ---------------------------------------

const menuToggle = $("menu-toggle");
function setDrawer(open) {
  document.body.classList.toggle("drawer-open", open);
  menuToggle.setAttribute("aria-expanded", String(open));
}
menuToggle.addEventListener("click", () =>
  setDrawer(!document.body.classList.contains("drawer-open")),
);
$("drawer-backdrop").addEventListener("click", () => setDrawer(false));
$("view-back").addEventListener("click", () => router.go({ message: null }));

// -- keyboard ------------------------------------------------------------------------------------

async function step(delta) {
  const id = await list.move(delta);
  if (view.isOpen && id && id !== router.current.message)
    router.go({ message: id }, { replace: true });
}

/** A list shortcut: it does nothing while a panel covers the list. */
const onList = (action) => () => (router.current.view ? false : action());

installKeys({
  next: onList(() => step(1)),
  previous: onList(() => step(-1)),
  open: onList(() => {
    const id = list.cursorId();
    if (!id) return false;
    router.go({ message: id });
  }),
  delete: onList(() => {
    const id = (view.message && router.current.message) || list.cursorId();
    if (!id) return false;
    deleteMessage(id);
  }),
  toggleRead: onList(() => (view.message ? view.toggleRead() : toggleCursorRead())),
  search: () => {
    search.focus();
    search.select();
  },
  close: () => {
    if (document.body.classList.contains("drawer-open")) setDrawer(false);
    else if (router.current.view) router.go({});
    else if (router.current.message) router.go({ message: null });
    else return false;
  },
  leaveSearch: () => {
    runSearch();
    search.blur();
    list.renderCursor(true);
  },
});

// -- live updates --------------------------------------------------------------------------------

const banner = $("connection-banner");
const status = $("live-status");
let countdown = null;
const STATUS_TEXT = { connecting: "Connecting…", live: "Live", down: "Offline" };

function showConnection({ state, retryIn }) {
  const wasDown = document.body.dataset.live === "down";
  document.body.dataset.live = state;
  status.querySelector(".label").textContent = STATUS_TEXT[state];
  clearInterval(countdown);
  if (state === "down") {
    const until = Date.now() + retryIn;
    const tick = () => {
      const seconds = Math.max(0, Math.ceil((until - Date.now()) / 1000));
      banner.querySelector(".banner-text").textContent =
        `Disconnected from mailtrap — reconnecting in ${seconds} s…`;
    };
    tick();
    countdown = setInterval(tick, 1000);
    banner.hidden = false;
  } else if (state === "connecting" && wasDown) {
    banner.querySelector(".banner-text").textContent = "Disconnected from mailtrap — reconnecting…";
  } else if (state === "live") {
    banner.hidden = true;
    refreshSoon(); // catch up on anything that happened while the feed was not listening
  }
}

function onLiveEvent({ Type: type, Data: data }) {
  const id = data?.ID;
  switch (type) {
    case "delete":
      if (id) {
        list.remove(id);
        if (view.id === id && view.message) view.gone();
      }
      break;
    case "update":
      if (id && typeof data.Read === "boolean" && !router.current.mailbox) {
        list.markRead(id, data.Read);
        if (view.id === id && view.message) view.setRead(data.Read);
      }
      if (id && Array.isArray(data.Tags) && view.id === id) view.setTags(data.Tags);
      break;
    case "truncate":
      if (view.message) view.gone();
      break;
    case "stats":
      refreshMailboxesSoon();
      // copies and moves between folders (IMAP) have no frame of their own, only new counts
      if (router.current.folder) refreshSoon();
      return;
    default: // "new", "prune" and anything newer than this page: just reload what is on screen
  }
  refreshSoon();
}

const live = new LiveFeed(api.urls.events());
live.addEventListener("state", (event) => showConnection(event.detail));
live.addEventListener("event", (event) => onLiveEvent(event.detail));
$("retry-now").addEventListener("click", () => live.retryNow());

// -- start ---------------------------------------------------------------------------------------

decorate();
show(router.current, null);
mailboxes.refresh();
tags.refresh();
refused.refresh();
live.start();
