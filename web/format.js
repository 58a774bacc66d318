// format.js — turning API values into short, readable text: times, sizes, addresses, links.

const sameDay = (a, b) =>
  a.getFullYear() === b.getFullYear() &&
  a.getMonth() === b.getMonth() &&
  a.getDate() === b.getDate();

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayAndMonth = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const dayMonthYear = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  year: "numeric",
});

function toDate(value) {
  const date = value ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

/** A compact time for list rows: "14:05" today, "3 Mar" this year, "3 Mar 2023" before. */
export function shortTime(value, now = new Date()) {
  const date = toDate(value);
  if (!date) return "";
  if (sameDay(date, now)) return timeOfDay.format(date);
  if (date.getFullYear() === now.getFullYear()) return dayAndMonth.format(date);
  return dayMonthYear.format(date);
}

/** The full local date and time, for tooltips and the message header. */
export function longTime(value) {
  const date = toDate(value);
  return date ? fullDate.format(date) : "";
}

/** 1234 -> "1.2 kB". */
export function size(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB"];
  let value = n;
  let unit = "B";
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${unit}`;
}

/** {Name, Address} -> "Name <address>" (or just the address). */
export function address(addr) {
  if (!addr) return "";
  const name = (addr.Name || "").trim();
  const mail = (addr.Address || "").trim();
  if (name && mail && name !== mail) return `${name} <${mail}>`;
  return name || mail;
}

/** {Name, Address} -> the name when there is one, else the address: for narrow columns. */
export function shortAddress(addr) {
  if (!addr) return "";
  return (addr.Name || "").trim() || (addr.Address || "").trim();
}

/** A list of addresses as one line. */
export function addressList(list, short = false) {
  return (list || [])
    .map(short ? shortAddress : address)
    .filter(Boolean)
    .join(", ");
}

/** "1 message", "2 messages". */
export function count(n, word) {
  return `${n.toLocaleString()} ${word}${n === 1 ? "" : "s"}`;
}

const LINK = /\bhttps?:\/\/[^\s<>"')\]]+/gi;

/**
 * Split plain text into strings and {url} pieces so the caller can make <a> elements for
 * http(s) links only (no javascript: or data: URLs ever become links).
 */
export function splitLinks(text) {
  const pieces = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const url = match[0].replace(/[.,;:!?]+$/, "");
    if (match.index > last) pieces.push(text.slice(last, match.index));
    pieces.push({ url });
    last = match.index + url.length;
  }
  if (last < text.length) pieces.push(text.slice(last));
  return pieces;
}

/** Does this HTML reference remote content (images, backgrounds, style sheets)? */
const REMOTE = [
  /\b(?:src|srcset|background|poster)\s*=\s*["']?\s*(?:https?:)?\/\//i,
  /url\(\s*["']?\s*(?:https?:)?\/\//i,
  /<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?\/\//i,
  /@import/i,
];

export function hasRemoteContent(html) {
  return Boolean(html) && REMOTE.some((pattern) => pattern.test(html));
}

/** The search that lists the messages carrying a tag: tag:name, quoted when it has spaces. */
export function tagQuery(name) {
  return /\s/.test(name) ? `tag:"${name}"` : `tag:${name}`;
}
