// refused.js — the "Refused mail" panel: what the SMTP server's fault-injection rules refused
// (newest first: stage, reply, envelope, and the rule that fired) and the rules in force, each
// with a Remove button. Refusals make no live-feed events, so the panel asks the server every
// few seconds while the page is visible (the count in the mailbox column too).

import * as api from "./api.js";
import { h, replace } from "./dom.js";
import { count, longTime, shortTime } from "./format.js";

const POLL_MS = 2000;

/** A rule in one line: "RCPT to bob@* · 550 5.1.1 Mailbox unavailable · 2 more times". */
export function describeRule(rule) {
  const when = [rule.Stage.toUpperCase()];
  if (rule.Sender) when.push(`from ${rule.Sender}`);
  if (rule.To) when.push(`to ${rule.To}`);
  if (rule.Subject) when.push(`subject "${rule.Subject}"`);
  const parts = [when.join(" ")];
  if (rule.Delay) parts.push(`wait ${rule.Delay} s`);
  const reply = rule.Reply ?? "";
  if (rule.Rate) parts.push(`over ${rule.Rate.Count} per ${rule.Rate.Seconds} s: ${reply}`);
  else if (reply) parts.push(reply);
  if (rule.Drop) parts.push("hang up");
  if (rule.Probability !== null && rule.Probability !== undefined) {
    parts.push(`${Math.round(rule.Probability * 1000) / 10}% (seed ${rule.Seed ?? "random"})`);
  }
  if (rule.Remaining !== null && rule.Remaining !== undefined) {
    parts.push(count(rule.Remaining, "more time"));
  }
  return parts.join(" · ");
}

export class RefusedPanel {
  constructor({ onError }) {
    this.onError = onError;
    this.el = {
      pane: document.getElementById("refused-pane"),
      list: document.getElementById("refused-list"),
      empty: document.getElementById("refused-empty"),
      count: document.getElementById("refused-count"),
      rules: document.getElementById("rules-list"),
      noRules: document.getElementById("rules-empty"),
      clear: document.getElementById("refused-clear"),
      badge: document.querySelector("#refused-link .badge"),
    };
    this.el.clear.addEventListener("click", () => this.clear());
    this.open = false;
    this.total = 0;
    this.timer = null;
    document.addEventListener("visibilitychange", () => this.schedule());
  }

  show(open) {
    this.open = open;
    this.el.pane.hidden = !open;
    if (open) this.refresh();
  }

  /** Poll while the page is visible; `refresh()` itself reschedules. */
  schedule() {
    clearTimeout(this.timer);
    this.timer = null;
    if (document.visibilityState === "visible") {
      this.timer = setTimeout(() => this.refresh(), POLL_MS);
    }
  }

  async refresh() {
    try {
      const [log, rules] = await Promise.all([api.refused(), this.open ? api.rules() : null]);
      this.total = Number(log.total) || 0;
      this.renderBadge();
      if (this.open) this.render(log.refused || [], rules || []);
    } catch (error) {
      if (this.open) this.onError?.(`Could not load the refused mail: ${error.message}`);
    } finally {
      this.schedule();
    }
  }

  renderBadge() {
    this.el.badge.hidden = this.total === 0;
    this.el.badge.textContent = this.total.toLocaleString();
    this.el.badge.setAttribute("aria-label", count(this.total, "refusal"));
  }

  render(entries, rules) {
    this.el.count.textContent = count(this.total, "refusal");
    this.el.empty.hidden = entries.length > 0;
    replace(this.el.list, entries.map((entry) => this.item(entry)));
    this.el.noRules.hidden = rules.length > 0;
    replace(this.el.rules, rules.map((rule) => this.ruleItem(rule)));
  }

  item(entry) {
    const envelope = [];
    if (entry.Sender !== null) envelope.push(["From", entry.Sender || "<>"]);
    if (entry.Recipients.length) envelope.push(["To", entry.Recipients.join(", ")]);
    if (entry.Subject !== null) envelope.push(["Subject", entry.Subject]);
    if (entry.Helo) envelope.push(["EHLO", entry.Helo]);
    if (entry.Peer) envelope.push(["Client", entry.Peer]);
    return h(
      "li",
      { class: "refused", dataset: { id: String(entry.ID), stage: entry.Stage } },
      h(
        "div",
        { class: "refused-head" },
        h("span", { class: "stage", text: entry.Stage.toUpperCase() }),
        h("code", { class: "reply", text: entry.Reply ?? "no reply" }),
        entry.Dropped ? h("span", { class: "dropped", text: "hung up" }) : null,
        h("time", {
          class: "time",
          datetime: entry.Created,
          title: longTime(entry.Created),
          text: shortTime(entry.Created),
        }),
      ),
      h(
        "dl",
        { class: "refused-envelope" },
        envelope.map(([name, value]) =>
          h("div", { class: "meta-row" }, h("dt", { text: name }), h("dd", { text: value })),
        ),
      ),
      h("p", {
        class: "refused-rule",
        text: `Rule ${entry.RuleID}: ${describeRule(entry.Rule)}`,
      }),
    );
  }

  ruleItem(rule) {
    return h(
      "li",
      { class: "rule", dataset: { id: rule.ID } },
      h("code", { class: "rule-id", text: rule.ID }),
      h("span", { class: "rule-text", text: describeRule(rule) }),
      h("span", { class: "rule-fired", text: `fired ${count(rule.Fired, "time")}` }),
      h("button", {
        class: "button button-quiet",
        type: "button",
        text: "Remove",
        "aria-label": `Remove rule ${rule.ID}`,
        onclick: () => this.removeRule(rule.ID),
      }),
    );
  }

  async removeRule(id) {
    try {
      await api.removeRule(id);
    } catch (error) {
      this.onError?.(`Could not remove the rule: ${error.message}`);
    }
    this.refresh();
  }

  async clear() {
    try {
      await api.clearRefused();
    } catch (error) {
      this.onError?.(`Could not clear the log: ${error.message}`);
    }
    this.refresh();
  }
}
