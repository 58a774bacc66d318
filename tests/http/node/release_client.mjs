// The npm Mailpit client's release call against a mailtrap started with --relay:
//   node release_client.mjs URL MESSAGE_ID RELAY_HOST:PORT
// The last line printed is {"ok": true, "checks": N}.
import assert from "node:assert/strict";
import { MailpitClient } from "mailpit-api";

const [url, id, relay] = process.argv.slice(2);
const mailpit = new MailpitClient(url);
let checks = 0;
const check = (value) => {
  checks += 1;
  return value;
};

const config = await mailpit.getConfiguration();
check(assert.equal(config.MessageRelay.Enabled, true));
check(assert.equal(config.MessageRelay.SMTPServer, relay));
check(assert.equal(await mailpit.releaseMessage(id, { To: ["Released <released@example.com>", "second@example.com"] }), "ok"));
// a bad address: the client rejects with our JSON 400
await check(assert.rejects(mailpit.releaseMessage(id, { To: ["not an address"] }), /400/));

console.log(JSON.stringify({ ok: true, checks }));
