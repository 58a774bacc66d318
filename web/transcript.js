// transcript.js — the SMTP tab: the dialogue that delivered a message, as the server recorded it
// (GET /api/v1/message/{ID}/transcript): who connected, TLS, and each command and reply with its
// time since the connection opened. AUTH secrets arrive masked; the message itself is never in it.

import * as api from "./api.js";
import { h } from "./dom.js";

/** Microseconds since the epoch of an RFC 3339 UTC time (Date.parse stops at milliseconds). */
function micros(time) {
  const match = /^(.{19})(?:\.(\d+))?Z$/.exec(time);
  if (!match) return Date.parse(time) * 1000;
  const fraction = (match[2] || "").padEnd(6, "0").slice(0, 6);
  return Date.parse(`${match[1]}Z`) * 1000 + Number(fraction);
}

function offset(us) {
  const ms = us / 1000;
  return ms < 1000 ? `+${ms.toFixed(3)} ms` : `+${(ms / 1000).toFixed(3)} s`;
}

/** The tab's content for message `id` (a note instead when it did not come over SMTP). */
export async function transcriptView(id) {
  let data;
  try {
    data = await api.transcript(id);
  } catch (error) {
    if (error.status !== 404) throw error;
    const text = "This message did not arrive over SMTP, so it has no transcript.";
    return h("p", { class: "empty", text });
  }
  const lines = data.Lines || [];
  const start = lines.length ? micros(lines[0].Time) : 0;
  const facts = [`Client ${data.Client}`, data.TLS ? `TLS: ${data.TLS}` : "No TLS"];
  if (data.Omitted) facts.push(`${data.Omitted} lines past the 8 KB limit not kept`);
  return h(
    "div",
    { class: "transcript" },
    h("p", { class: "transcript-facts", text: facts.join(" · ") }),
    h(
      "table",
      { class: "transcript-table" },
      h(
        "tbody",
        {},
        lines.map((line) =>
          h(
            "tr",
            { class: `transcript-${line.Direction === "in" ? "in" : "out"}` },
            h("td", {
              class: "transcript-time",
              title: line.Time,
              text: offset(micros(line.Time) - start),
            }),
            h("td", { class: "transcript-who", text: line.Direction === "in" ? "C:" : "S:" }),
            h("td", { class: "transcript-text", text: line.Text }),
          ),
        ),
      ),
    ),
  );
}
