"""Two IMAP client libraries that read BODYSTRUCTURE strictly, run from their own languages: PHP's
imap extension (the UW c-client library inside it, as in Alpine and many PHP apps) and Ruby's
net-imap. Both read every part of a multipart/alternative message and of a multipart/mixed one
that nests it beside an attachment, and fetch each part by its section number.

A space between the parts of a multipart BODYSTRUCTURE (RFC 3501 9 has none) made c-client
report one part of subtype MIXED and net-imap raise a parse error. Each test skips locally, and
fails under CI=true, when php (with its imap extension: Debian php-cli, php-imap) or ruby is
missing (``need_tool``).
"""

from __future__ import annotations

import base64
import json
from email.message import EmailMessage

import pytest
from mailclients import ALICE, run, seed

PDF = b"%PDF-1.4\n% not really a PDF\n"
ALTERNATIVE = {
    "type": "MULTIPART",
    "subtype": "ALTERNATIVE",
    "parts": [{"type": "TEXT", "subtype": "PLAIN"}, {"type": "TEXT", "subtype": "HTML"}],
}
MIXED = {
    "type": "MULTIPART",
    "subtype": "MIXED",
    "parts": [
        ALTERNATIVE,
        {"type": "APPLICATION", "subtype": "PDF", "disposition": "ATTACHMENT"},
    ],
}

# Prints, for every message in the INBOX, its structure as a tree of {type, subtype, parts,
# disposition} and the text of each leaf part fetched by section number ("1", "1.2", ...).
PHP = r"""
[, $port, $user] = $argv;
$m = imap_open("{127.0.0.1:$port/imap/notls/norsh}INBOX", $user, "secret", OP_READONLY, 0);
if ($m === false) { fwrite(STDERR, implode("\n", imap_errors() ?: [])); exit(1); }
$TYPES = ["TEXT", "MULTIPART", "MESSAGE", "APPLICATION", "AUDIO", "IMAGE", "VIDEO", "MODEL"];
function tree($s) {
    global $TYPES;
    $node = ["type" => $TYPES[$s->type], "subtype" => strtoupper($s->subtype)];
    if (isset($s->parts)) { $node["parts"] = array_map("tree", $s->parts); }
    if ($s->ifdisposition) { $node["disposition"] = strtoupper($s->disposition); }
    return $node;
}
function sections($s, $prefix) {
    if (!isset($s->parts)) { return [$prefix === "" ? "1" : $prefix]; }
    $found = [];
    foreach ($s->parts as $k => $p) {
        $found = array_merge($found, sections($p, ltrim("$prefix." . ($k + 1), ".")));
    }
    return $found;
}
$out = [];
for ($i = 1; $i <= imap_num_msg($m); $i++) {
    $s = imap_fetchstructure($m, $i);
    $bodies = [];
    foreach (sections($s, "") as $section) {
        $bodies[$section] = imap_fetchbody($m, $i, $section, FT_PEEK);
    }
    $out[] = ["structure" => tree($s), "bodies" => $bodies];
}
imap_errors();  # c-client's notices, e.g. AUTH=PLAIN offered without TLS
imap_close($m);
echo json_encode($out);
"""

RUBY = r"""
port, user = ARGV
imap = Net::IMAP.new("127.0.0.1", port: Integer(port))
imap.login(user, "secret")
imap.examine("INBOX")

def tree(body)
  node = {"type" => body.media_type.upcase, "subtype" => body.subtype.upcase}
  node["parts"] = body.parts.map { |part| tree(part) } if body.multipart?
  node["disposition"] = body.disposition.dsp_type.upcase if body.disposition
  node
end

def sections(body, prefix)
  return [prefix.empty? ? "1" : prefix] unless body.multipart?
  body.parts.each_with_index.flat_map do |part, i|
    sections(part, [prefix, (i + 1).to_s].reject(&:empty?).join("."))
  end
end

out = imap.fetch(1..-1, "BODYSTRUCTURE").map do |data|
  structure = data.attr["BODYSTRUCTURE"]
  wanted = sections(structure, "")
  got = imap.fetch(data.seqno, wanted.map { |s| "BODY.PEEK[#{s}]" })[0].attr
  bodies = wanted.to_h { |s| [s, got["BODY[#{s}]"].force_encoding("UTF-8")] }
  {"structure" => tree(structure), "bodies" => bodies}
end
imap.logout
puts out.to_json
"""


def messages() -> list[bytes]:
    """multipart/alternative (text and HTML), then multipart/mixed of that and a PDF."""
    found = []
    for attach in (False, True):
        m = EmailMessage()
        m["From"] = "App <app@example.com>"
        m["To"] = ALICE
        m["Subject"] = "with attachment" if attach else "alternative"
        m.set_content("plain words\n")
        m.add_alternative("<p>html words</p>\n", subtype="html")
        if attach:
            m.add_attachment(PDF, maintype="application", subtype="pdf", filename="report.pdf")
        found.append(bytes(m))
    return found


def check_both_messages(result: list[dict]) -> None:
    alternative, mixed = result
    assert alternative["structure"] == ALTERNATIVE
    assert sorted(alternative["bodies"]) == ["1", "2"]
    assert alternative["bodies"]["1"].strip() == "plain words"
    assert alternative["bodies"]["2"].strip() == "<p>html words</p>"
    assert mixed["structure"] == MIXED
    assert sorted(mixed["bodies"]) == ["1.1", "1.2", "2"]
    assert mixed["bodies"]["1.1"].strip() == "plain words"
    assert mixed["bodies"]["1.2"].strip() == "<p>html words</p>"
    assert base64.b64decode(mixed["bodies"]["2"]) == PDF


@pytest.fixture
def inbox(mailtrap):
    seed(mailtrap, messages())
    return mailtrap


def test_php_imap_reads_every_part(inbox, need_tool):
    php = need_tool("php", "php-imap", probe=["-r", "exit(function_exists('imap_open') ? 0 : 1);"])
    done = run([php, "-r", PHP, "--", str(inbox.imap_port), ALICE])
    check_both_messages(json.loads(done.stdout))


def test_ruby_net_imap_reads_every_part(inbox, need_tool):
    ruby = need_tool("ruby", "ruby", probe=["-rnet/imap", "-e", ""])
    done = run([ruby, "-rnet/imap", "-rjson", "-e", RUBY, str(inbox.imap_port), ALICE])
    check_both_messages(json.loads(done.stdout))
