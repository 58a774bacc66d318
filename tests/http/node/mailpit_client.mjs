// Drives the real npm Mailpit client against a running mailtrap: node mailpit_client.mjs URL
// Every check is an assertion; the last line printed is {"ok": true, "checks": N}.
import assert from "node:assert/strict";
import { MailpitClient } from "mailpit-api";

const mailpit = new MailpitClient(process.argv[2]);
let checks = 0;
const check = (value) => {
  checks += 1;
  return value;
};

const sent = await mailpit.sendMessage({
  From: { Email: "node@example.com", Name: "Node" },
  To: [{ Email: "alice@example.com" }],
  Bcc: ["hidden@example.com"],
  Subject: "From node",
  Text: "node text",
  HTML: "<p>node html</p>",
  Attachments: [
    { Content: Buffer.from("attached").toString("base64"), Filename: "a.txt", ContentType: "text/plain" },
  ],
});
check(assert.match(sent.ID, /\w+/));
await mailpit.sendMessage({
  From: { Email: "node@example.com" },
  To: [{ Email: "bob@example.com" }],
  Subject: "Second",
  Text: "two",
});

// list and search
const listed = await mailpit.listMessages();
check(assert.equal(listed.messages_count, 2));
check(assert.equal(listed.unread, 2));
check(assert.deepEqual(listed.messages.map((m) => m.Subject), ["Second", "From node"]));
const found = await mailpit.searchMessages({ query: 'subject:"From node"' });
check(assert.equal(found.messages_count, 1));
check(assert.equal(found.messages_unread, 1));
check(assert.equal(found.messages[0].ID, sent.ID));

// one message: get (marks read), latest, headers, raw, part, views
const message = await mailpit.getMessageSummary(sent.ID);
check(assert.equal(message.Subject, "From node"));
check(assert.deepEqual(message.Bcc, [{ Name: "", Address: "hidden@example.com" }]));
check(assert.equal((await mailpit.getMessageSummary()).Subject, "Second"));
const headers = await mailpit.getMessageHeaders(sent.ID);
check(assert.ok(headers["Message-Id"]));
check(assert.deepEqual(headers.Subject, ["From node"]));
check(assert.match(await mailpit.getMessageSource(sent.ID), /Subject: From node/));
const blob = await mailpit.getMessageAttachment(sent.ID, message.Attachments[0].PartID);
check(assert.ok(blob.type.startsWith("text/plain")));
check(assert.equal(await blob.text(), "attached"));
check(assert.match(await mailpit.renderMessageHTML(sent.ID), /node html/));
check(assert.match(await mailpit.renderMessageText(sent.ID), /node text/));

// read status: by IDs, all, by search
check(assert.equal((await mailpit.listMessages()).unread, 0));
await mailpit.setReadStatus({ IDs: [sent.ID], Read: false });
check(assert.equal((await mailpit.listMessages()).unread, 1));
await mailpit.setReadStatus({ Read: true });
check(assert.equal((await mailpit.listMessages()).unread, 0));
await mailpit.setReadStatus({ Search: "subject:Second", Read: false });
const unread = await mailpit.searchMessages({ query: "is:unread" });
check(assert.deepEqual(unread.messages.map((m) => m.Subject), ["Second"]));

// the client's own polling helpers, and info
check(assert.equal((await mailpit.waitForMessage({ query: "subject:Second" }, { timeout: 2000 })).Subject, "Second"));
check(assert.equal((await mailpit.waitForMessages({ count: 2 }, { timeout: 2000 })).messages_count, 2));
check(assert.equal((await mailpit.getInfo()).Messages, 2));

// delete: by ID, by search, all
await mailpit.deleteMessages({ IDs: [sent.ID] });
check(assert.deepEqual((await mailpit.listMessages()).messages.map((m) => m.Subject), ["Second"]));
await mailpit.sendMessage({ From: { Email: "n@example.com" }, To: [{ Email: "c@example.com" }], Subject: "Third" });
await mailpit.deleteMessagesBySearch({ query: "subject:Third" });
check(assert.equal((await mailpit.listMessages()).total, 1));
await mailpit.deleteMessages();
check(assert.equal((await mailpit.listMessages()).total, 0));

// tags: from the send API's Tags (X-Tags), set, listed, searched, counted, renamed, deleted
const tagged = await mailpit.sendMessage({
  From: { Email: "t@example.com" },
  To: [{ Email: "x@example.com" }],
  Subject: "Tagged",
  Tags: ["Signup", "billing"],
});
const untagged = await mailpit.sendMessage({
  From: { Email: "t@example.com" },
  To: [{ Email: "y@example.com" }],
  Subject: "Untagged",
});
check(assert.deepEqual(await mailpit.getTags(), ["billing", "Signup"]));
check(assert.equal(await mailpit.setTags({ IDs: [untagged.ID], Tags: ["Later", "signup"] }), "ok"));
check(assert.deepEqual((await mailpit.getMessageSummary(untagged.ID)).Tags, ["Later", "Signup"]));
const bySignup = await mailpit.searchMessages({ query: "tag:signup" });
check(assert.deepEqual(bySignup.messages.map((m) => m.Subject), ["Untagged", "Tagged"]));
check(assert.deepEqual(bySignup.tags, ["billing", "Later", "Signup"]));
check(assert.deepEqual((await mailpit.getInfo()).Tags, { billing: 1, Later: 1, Signup: 2 }));
check(assert.equal(await mailpit.renameTag("Signup", "Welcome mail"), "ok"));
check(assert.deepEqual((await mailpit.getMessageSummary(tagged.ID)).Tags, ["billing", "Welcome mail"]));
check(assert.equal(await mailpit.deleteTag("Welcome mail"), "ok"));
check(assert.deepEqual(await mailpit.getTags(), ["billing", "Later"]));
check(assert.equal(await mailpit.setTags({ IDs: [tagged.ID, untagged.ID] }), "ok"));
check(assert.deepEqual(await mailpit.getTags(), []));
await check(assert.rejects(mailpit.setTags({ IDs: ["0123456789abcdef"], Tags: ["x"] }), /404/));
await mailpit.deleteMessages();

// what we do not offer fails cleanly (JSON 404), not with a crash
await check(assert.rejects(mailpit.htmlCheck(), /404/));
await check(assert.rejects(mailpit.getMessageSummary("0123456789abcdef"), /404/));

console.log(JSON.stringify({ ok: true, checks }));
