// Drives the real npm MailHog client against a running mailtrap: node mailhog_client.mjs URL
// The test delivered three messages first (see test_mailhog_node_client.py). Every check is an
// assertion; the last line printed is {"ok": true, "checks": N}.
import assert from "node:assert/strict";
import mailhog from "mailhog";

const url = new URL(process.argv[2]);
const relayPort = process.argv[3]; // the --relay server's SMTP port
const mh = mailhog({ host: url.hostname, port: Number(url.port) });
let checks = 0;
const check = (value) => {
  checks += 1;
  return value;
};

// list: newest first, paged, with the client's decoding getters
const all = await mh.messages();
check(assert.equal(all.total, 3));
check(assert.equal(all.count, 3));
check(assert.deepEqual(all.items.map((m) => m.subject), ["Reset password", "Invoice €", "Welcome Alice"]));
const page = await mh.messages(1, 1);
check(assert.deepEqual([page.start, page.count, page.total], [1, 1, 3]));
check(assert.equal(page.items[0].subject, "Invoice €"));

const [reset, invoice, welcome] = all.items;
check(assert.equal(invoice.text.trim(), "Total: 10 € (quoted-printable)"));
check(assert.match(reset.html, /<b>Reset<\/b> it here/));
check(assert.equal(welcome.text.trim(), "Hello Alice, confirm at https://example.com/c/1"));
check(assert.equal(welcome.from, "App <app@example.com>"));
check(assert.equal(welcome.to, "alice@example.com"));
check(assert.deepEqual(welcome.attachments.map((a) => [a.name, a.type]), [["report.txt", "text/plain"]]));
check(assert.equal(mh.decode(welcome.attachments[0].Body, welcome.attachments[0].encoding), "report body"));
check(assert.ok(welcome.deliveryDate instanceof Date && !Number.isNaN(welcome.deliveryDate.getTime())));

// search and the latest* helpers
check(assert.deepEqual((await mh.search("alice@", "to")).items.map((m) => m.subject), ["Welcome Alice"]));
check(assert.equal((await mh.search("billing@example.com", "from")).total, 1));
check(assert.equal((await mh.search("confirm at")).items[0].ID, welcome.ID)); // kind defaults to containing
check(assert.equal((await mh.latestFrom("app@example.com")).subject, "Reset password"));
check(assert.equal((await mh.latestTo("bob@example.com")).subject, "Invoice €"));
check(assert.equal((await mh.latestContaining("Alice")).subject, "Welcome Alice"));
check(assert.equal(await mh.latestTo("nobody@example.com"), 0)); // the client's "nothing found"

// release through the --relay server; another host is refused
const released = await mh.releaseMessage(welcome.ID, { host: "127.0.0.1", port: relayPort, email: "released@example.com" });
check(assert.equal(released.statusCode, 200));
const elsewhere = await mh.releaseMessage(welcome.ID, { host: "192.0.2.1", port: "25", email: "x@example.com" });
check(assert.match(elsewhere.Error, /only through the --relay server/)); // the client resolves with the JSON error

// delete one, then all
await mh.deleteMessage(invoice.ID);
check(assert.deepEqual((await mh.messages()).items.map((m) => m.ID), [reset.ID, welcome.ID]));
const deleted = await mh.deleteAll();
check(assert.equal(deleted.statusCode, 200));
check(assert.equal((await mh.messages()).total, 0));

console.log(JSON.stringify({ ok: true, checks }));
