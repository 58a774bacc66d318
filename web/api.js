// api.js — the only module that speaks HTTP: thin calls to mailtrap's JSON API.
//
// The routes and JSON shapes are Mailpit's API v1 (which mailtrap implements), plus mailtrap's
// own GET /api/v1/mailboxes, the `mailbox=` (and `folder=`) parameters that scope a call to
// one recipient's mailbox (or one folder of it), and the fault-injection rules and refused-mail
// log. Paths are relative to the page, so the viewer also works behind a path prefix.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** An absolute URL for an API path, with the non-empty params set. */
export function apiUrl(path, params = {}) {
  const url = new URL(path, document.baseURI);
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, value);
  }
  return url;
}

async function request(method, path, { params, body, as = "json" } = {}) {
  const init = { method, headers: { Accept: as === "json" ? "application/json" : "*/*" } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(apiUrl(path, params), init);
  } catch (error) {
    throw new ApiError(0, `mailtrap did not answer (${error.message})`);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`.trim();
    try {
      const data = await response.json();
      message = data.Error || data.error || data.message || message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, message);
  }
  if (as === "text") return response.text();
  if (as === "none") return null;
  return response.json();
}

const counts = (item) => ({
  total: Number(item.total ?? item.Total ?? 0),
  unread: Number(item.unread ?? item.Unread ?? 0),
});

/**
 * Mailbox entries as [{address, total, unread, folders: [{name, total, unread}]}] (INBOX's
 * counts), whatever the capitalisation of the fields.
 */
function normaliseMailboxes(data) {
  const list = Array.isArray(data) ? data : data.mailboxes || data.Mailboxes || [];
  return list.map((box) => ({
    address: box.address ?? box.Address ?? "",
    ...counts(box),
    folders: (box.folders ?? box.Folders ?? []).map((f) => ({
      name: f.name ?? f.Name ?? "",
      ...counts(f),
    })),
  }));
}

/** A page of message summaries: Mailpit's MessagesSummary. */
export function listMessages({ mailbox, folder, query, start = 0, limit = 50 }) {
  const params = { mailbox, folder: mailbox ? folder : null, start, limit };
  if (query) return request("GET", "api/v1/search", { params: { ...params, query } });
  return request("GET", "api/v1/messages", { params });
}

export async function mailboxes() {
  return normaliseMailboxes(await request("GET", "api/v1/mailboxes"));
}

/** One message in full; the server marks it read (in `mailbox` or its `folder` only, when
 * given). */
export function message(id, mailbox, folder) {
  const params = { mailbox, folder: mailbox ? folder : null };
  return request("GET", `api/v1/message/${encodeURIComponent(id)}`, { params });
}

export function headers(id) {
  return request("GET", `api/v1/message/${encodeURIComponent(id)}/headers`);
}

/** The SMTP dialogue that delivered a message (404 for mail that came another way). */
export function transcript(id) {
  return request("GET", `api/v1/message/${encodeURIComponent(id)}/transcript`);
}

export function raw(id) {
  return request("GET", `api/v1/message/${encodeURIComponent(id)}/raw`, { as: "text" });
}

/** Send a message on to `to` through the server's --relay (Mailpit's release). */
export function release(id, to) {
  return request("POST", `api/v1/message/${encodeURIComponent(id)}/release`, {
    body: { To: to },
    as: "text",
  });
}

export function setRead(ids, read, mailbox, folder) {
  return request("PUT", "api/v1/messages", {
    params: { mailbox, folder: mailbox ? folder : null },
    body: { IDs: ids, Read: read },
    as: "none",
  });
}

export function deleteMessages(ids, mailbox, folder) {
  return request("DELETE", "api/v1/messages", {
    params: { mailbox, folder: mailbox ? folder : null },
    body: { IDs: ids },
    as: "none",
  });
}

/** Delete every message (in `mailbox` or its `folder` only, when given). */
export function deleteAll(mailbox, folder) {
  const params = { mailbox, folder: mailbox ? folder : null };
  return request("DELETE", "api/v1/messages", { params, body: {}, as: "none" });
}

/** Every tag in use and how many messages carry it: {name: count}, sorted by name. */
export async function tagCounts() {
  return (await request("GET", "api/v1/info")).Tags || {};
}

/** Give messages exactly these tags (an empty list removes them all). */
export function setTags(ids, tags) {
  return request("PUT", "api/v1/tags", { body: { IDs: ids, Tags: tags }, as: "none" });
}

/** The refused-mail log: {total, refused: [...]}, newest first. */
export function refused() {
  return request("GET", "api/v1/refused");
}

export function clearRefused() {
  return request("DELETE", "api/v1/refused", { as: "none" });
}

/** The SMTP server's fault-injection rules, oldest first. */
export function rules() {
  return request("GET", "api/v1/rules");
}

export function removeRule(id) {
  return request("DELETE", `api/v1/rules/${encodeURIComponent(id)}`, { as: "none" });
}

let remoteImagesSupport = null;

/**
 * Whether the server can show a message's HTML with remote images (`/view/{ID}.html?remote=1`):
 * asked once, of the server's OpenAPI document, so an older server gets no button that does
 * nothing.
 */
export function canLoadRemoteImages() {
  remoteImagesSupport ??= request("GET", "api/v1/openapi.json").then(
    (doc) => {
      const view = doc?.paths?.["/view/{ID}.html"]?.get;
      return Boolean(view?.parameters?.some((p) => p.name === "remote"));
    },
    () => false,
  );
  return remoteImagesSupport;
}

export const urls = {
  raw: (id) => apiUrl(`api/v1/message/${encodeURIComponent(id)}/raw`).href,
  part: (id, partId) =>
    apiUrl(`api/v1/message/${encodeURIComponent(id)}/part/${encodeURIComponent(partId)}`).href,
  html: (id, remote) =>
    apiUrl(`view/${encodeURIComponent(id)}.html`, remote ? { remote: "1" } : {}).href,
  events: () => {
    const url = apiUrl("api/events");
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.href;
  },
};
