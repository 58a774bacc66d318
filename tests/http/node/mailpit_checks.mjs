// The npm Mailpit client's check and configuration calls against a running mailtrap:
//   node mailpit_checks.mjs URL MESSAGE_ID IMAGE_PART_ID SITE_URL
// The test delivered the message (links to SITE_URL, an image attachment, spammy words) to a
// mailtrap with --spamassassin and --allow-internal-http-requests. The last line printed is
// {"ok": true, "checks": N}.
import assert from "node:assert/strict";
import { MailpitClient } from "mailpit-api";

const [url, id, imagePart, site] = process.argv.slice(2);
const mailpit = new MailpitClient(url);
let checks = 0;
const check = (value) => {
  checks += 1;
  return value;
};

// getConfiguration: /api/v1/webui
const config = await mailpit.getConfiguration();
check(assert.equal(config.SpamAssassin, true));
check(assert.equal(config.ChaosEnabled, true));
check(assert.equal(config.MessageRelay.Enabled, false));
check(assert.equal(config.Label, ""));

// linkCheck: statuses, redirects followed only when asked
const statuses = (result) => Object.fromEntries(result.Links.map((l) => [l.URL, [l.StatusCode, l.Status]]));
const links = await mailpit.linkCheck(id);
check(assert.deepEqual(statuses(links), {
  [`${site}/ok`]: [200, "OK"],
  [`${site}/gone`]: [404, "Not Found"],
  [`${site}/moved`]: [302, "Found"],
  [`${site}/ok?logo=1`]: [200, "OK"],
}));
check(assert.equal(links.Errors, 1));
const followed = await mailpit.linkCheck(id, true);
check(assert.deepEqual(statuses(followed)[`${site}/moved`], [200, "OK"]));
check(assert.equal((await mailpit.linkCheck()).Links.length, 4)); // "latest"

// spamAssassinCheck: spamd's verdict, score and rules
const sa = await mailpit.spamAssassinCheck(id);
check(assert.equal(sa.Error, ""));
check(assert.equal(sa.IsSpam, true));
check(assert.ok(sa.Score >= 5));
const rules = Object.fromEntries(sa.Rules.map((r) => [r.Name, r]));
check(assert.equal(rules.MISSING_DATE.Description, "Missing Date: header"));
check(assert.ok(rules.MISSING_DATE.Score > 0));

// getAttachmentThumbnail: a 180x120 JPEG
const thumb = await mailpit.getAttachmentThumbnail(id, imagePart);
check(assert.equal(thumb.type, "image/jpeg"));
const bytes = new Uint8Array(await thumb.arrayBuffer());
check(assert.deepEqual([...bytes.slice(0, 3)], [0xff, 0xd8, 0xff])); // a JPEG
const sof = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] >= 0xc0 && bytes[i + 1] <= 0xc2);
const height = (bytes[sof + 5] << 8) | bytes[sof + 6];
const width = (bytes[sof + 7] << 8) | bytes[sof + 8];
check(assert.deepEqual([width, height], [180, 120]));
await check(assert.rejects(mailpit.getAttachmentThumbnail(id, "9"), /404/));

console.log(JSON.stringify({ ok: true, checks }));
