"""The rule logic on its own, without sockets: matching, times, seeded chance, rate windows,
the replies, the refused-mail log, and many threads adding rules while checks run."""

from __future__ import annotations

import threading

import pytest
from fakeclock import Clock

from mailtrap.faults import Attempt, Faults, RuleError, RuleSpec
from mailtrap.faults.refused import LIMIT, RefusedLog
from mailtrap.faults.replies import reply_line
from mailtrap.faults.rules import MAX_RULES


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def faults(clock) -> Faults:
    return Faults(clock=clock)


def rcpt(to: str, sender: str = "app@example.com") -> Attempt:
    return Attempt("rcpt", sender=sender, recipients=(to,))


def replies(faults: Faults, attempts: list[Attempt]) -> list[str | None]:
    return [faults.check(a).reply for a in attempts]


# -- what a rule may say --------------------------------------------------------------------------

BAD_RULES = {
    "unknown stage": (dict(stage="quit"), "stage must be one of"),
    "code below 400": (dict(stage="rcpt", code=250), "at least 400"),
    "code above 599": (dict(stage="rcpt", code=600), "400-599"),
    "code not a number": (dict(stage="rcpt", code="550"), "whole number"),
    "CRLF in text": (dict(stage="rcpt", code=550, text="no\r\n250 OK"), "one line"),
    "non-ASCII text": (dict(stage="rcpt", code=550, text="caf\u00e9"), "printable ASCII"),
    "CRLF in a pattern": (dict(stage="rcpt", to="a@b\r\nc"), "printable on one line"),
    "text too long": (dict(stage="rcpt", code=550, text="x" * 201), "at most 200"),
    "recipient before RCPT": (dict(stage="mail", to="bob@*"), 'not known yet at stage "mail"'),
    "sender at connect": (dict(stage="connect", sender="a@*"), "not known yet"),
    "subject before DATA": (dict(stage="rcpt", subject="Hi"), 'use stage "end"'),
    "times zero": (dict(stage="rcpt", times=0), "at least 1"),
    "probability over 1": (dict(stage="rcpt", probability=1.5), "between 0 and 1"),
    "probability NaN": (dict(stage="rcpt", probability=float("nan")), "finite"),
    "seed alone": (dict(stage="rcpt", seed=3), "only goes with probability"),
    "negative delay": (dict(stage="rcpt", delay=-1), "between 0 and 600"),
    "drop not a bool": (dict(stage="rcpt", drop="yes"), "true or false"),
    "rate of one number": (dict(stage="mail", rate=(5,)), "(count, seconds)"),
    "rate of zero": (dict(stage="mail", rate=(0, 1)), "at least 1"),
    "rate over no time": (dict(stage="mail", rate=(1, 0)), "more than 0"),
}


@pytest.mark.parametrize("name", list(BAD_RULES))
def test_a_bad_rule_is_refused_naming_the_field(name):
    options, message = BAD_RULES[name]
    with pytest.raises(RuleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        RuleSpec(**options)


def test_stage_names_are_case_insensitive_and_subject_on_data_acts_at_the_end():
    assert RuleSpec("RCPT").stage == "rcpt"
    assert RuleSpec("data", subject="Invoice").acts_at == "end"
    assert RuleSpec("data").acts_at == "data"


# -- matching -------------------------------------------------------------------------------------


def test_address_patterns_use_star_and_ignore_case(faults):
    faults.add(RuleSpec("rcpt", 550, to="*@Blocked.example"))
    faults.add(RuleSpec("rcpt", 551, to="bob+*@example.com"))
    assert replies(
        faults,
        [
            rcpt("ann@blocked.EXAMPLE"),
            rcpt("ann@blocked.example.org"),  # the whole address must match
            rcpt("bob+tag@example.com"),
            rcpt("bob@example.com"),
            rcpt("bob.tag@example.com"),  # a dot is a dot, not any character
        ],
    ) == ["550 5.1.1 Mailbox unavailable", None, "551 5.1.6 User not local", None, None]


def test_patterns_and_subjects_may_be_non_ascii(faults):
    faults.add(RuleSpec("rcpt", 550, to="j\u00fcrgen@*"))
    faults.add(RuleSpec("end", 554, subject="Rechnung f\u00fcr"))
    assert faults.check(rcpt("J\u00dcRGEN@example.com")).reply is not None
    assert faults.check(Attempt("end", subject="Ihre Rechnung f\u00fcr M\u00e4rz")).reply


def test_sender_pattern_and_subject_substring(faults):
    faults.add(RuleSpec("mail", 553, sender="spam*@*"))
    faults.add(RuleSpec("end", 554, "No invoices today", subject="INVOICE"))
    assert faults.check(Attempt("mail", sender="spammer@example.com")).reply == (
        "553 5.1.3 Mailbox name not allowed"
    )
    assert faults.check(Attempt("mail", sender="ham@example.com")).reply is None
    end = Attempt("end", sender="a@x", recipients=("b@x",), subject="Your invoice #12")
    assert faults.check(end).reply == "554 5.3.0 No invoices today"
    assert faults.check(Attempt("end", subject="Welcome")).reply is None


def test_a_recipient_rule_at_end_of_data_matches_any_recipient(faults):
    faults.add(RuleSpec("end", 550, to="carol@*"))
    assert faults.check(Attempt("end", recipients=("a@x", "carol@x"))).reply is not None
    assert faults.check(Attempt("end", recipients=("a@x", "b@x"))).reply is None


def test_rules_only_act_at_their_stage(faults):
    faults.add(RuleSpec("rcpt", 550))
    assert faults.watches("rcpt") and not faults.watches("mail")
    assert faults.check(Attempt("mail", sender="a@x")).reply is None
    assert faults.check(rcpt("b@x")).reply is not None


# -- how often ------------------------------------------------------------------------------------


def test_times_expires_then_mail_goes_through(faults):
    rule = faults.add(RuleSpec("rcpt", 451, times=2))
    assert replies(faults, [rcpt("a@x")] * 4) == [
        "451 4.3.0 Local error in processing, try again later",
        "451 4.3.0 Local error in processing, try again later",
        None,
        None,
    ]
    assert (rule.fired, rule.remaining) == (2, 0)


def test_times_counts_only_matching_attempts(faults):
    rule = faults.add(RuleSpec("rcpt", 550, to="bob@*", times=1))
    assert replies(faults, [rcpt("ann@x"), rcpt("bob@x"), rcpt("bob@x")])[1:] == [
        "550 5.1.1 Mailbox unavailable",
        None,
    ]
    assert rule.fired == 1


def test_seeded_probability_repeats_and_unseeded_reports_its_seed(clock):
    def run(seed: int) -> list[bool]:
        faults = Faults(clock=clock)
        faults.add(RuleSpec("rcpt", 451, probability=0.5, seed=seed))
        return [faults.check(rcpt("a@x")).reply is not None for _ in range(200)]

    first = run(7)
    assert first == run(7)
    assert first != run(8)
    assert 60 < sum(first) < 140  # about half

    faults = Faults(clock=clock)
    rule = faults.add(RuleSpec("rcpt", 451, probability=0.3))
    assert isinstance(rule.seed, int)
    pattern = [faults.check(rcpt("a@x")).reply is not None for _ in range(100)]
    replay = Faults(clock=clock)
    replay.add(RuleSpec("rcpt", 451, probability=0.3, seed=rule.seed))
    assert [replay.check(rcpt("a@x")).reply is not None for _ in range(100)] == pattern


def test_probability_zero_never_and_one_always(faults):
    faults.add(RuleSpec("rcpt", 450, probability=0.0))
    assert replies(faults, [rcpt("a@x")] * 20) == [None] * 20
    faults.add(RuleSpec("rcpt", 451, probability=1))
    assert all(r and r.startswith("451") for r in replies(faults, [rcpt("a@x")] * 20))


def test_rate_lets_exactly_count_through_per_sliding_window(faults, clock):
    rule = faults.add(RuleSpec("mail", rate=(3, 10)))
    mail = Attempt("mail", sender="a@x")
    assert (
        replies(faults, [mail] * 5)
        == [None, None, None] + ["451 4.7.0 Too many messages, slow down"] * 2
    )
    clock.now += 9.9
    assert faults.check(mail).reply is not None  # the first three are still in the window
    clock.now += 0.1
    assert replies(faults, [mail] * 4) == [
        None,
        None,
        None,
        "451 4.7.0 Too many messages, slow down",
    ]
    assert rule.fired == 4


def test_over_the_rate_the_reply_depends_on_the_stage():
    assert reply_line(RuleSpec("ehlo", rate=(1, 1))) == "421 4.7.0 Too many messages, slow down"
    assert reply_line(RuleSpec("auth", rate=(1, 1))) == (
        "454 4.7.0 Too many authentication attempts, slow down"
    )
    assert reply_line(RuleSpec("rcpt", rate=(1, 1))) == "451 4.7.0 Too many messages, slow down"
    assert reply_line(RuleSpec("rcpt", 452, "Slow down", rate=(1, 1))) == "452 4.3.1 Slow down"


def test_rate_at_connect_answers_421_and_hangs_up(faults):
    faults.add(RuleSpec("connect", rate=(1, 60)))
    assert faults.check(Attempt("connect")).reply is None
    verdict = faults.check(Attempt("connect"))
    assert verdict.reply == "421 4.7.0 Too many messages, slow down" and verdict.hang_up


# -- actions --------------------------------------------------------------------------------------


def test_replies_carry_enhanced_status_codes_unless_the_text_has_one(faults):
    assert reply_line(RuleSpec("rcpt", 550)) == "550 5.1.1 Mailbox unavailable"
    assert reply_line(RuleSpec("mail", 550)) == "550 5.1.8 Sender address rejected"
    assert reply_line(RuleSpec("auth")) == "535 5.7.8 Authentication credentials invalid"
    assert reply_line(RuleSpec("connect")) == (
        "421 4.3.2 Service not available, closing transmission channel"
    )
    assert reply_line(RuleSpec("rcpt", 452, "Too many")) == "452 4.3.1 Too many"
    assert reply_line(RuleSpec("rcpt", 550, "5.7.26 DMARC says no")) == "550 5.7.26 DMARC says no"
    assert reply_line(RuleSpec("rcpt", 599)) == "599 5.0.0 Refused"
    assert reply_line(RuleSpec("data", text="Busy")) == "451 4.3.0 Busy"


def test_drop_with_and_without_reply_and_421_hangs_up(faults):
    faults.add(RuleSpec("rcpt", to="silent@*", drop=True))
    faults.add(RuleSpec("rcpt", 554, to="loud@*", drop=True))
    faults.add(RuleSpec("rcpt", 421, to="closing@*"))
    faults.add(RuleSpec("rcpt", 450, to="staying@*"))
    silent, loud, closing, staying = (
        faults.check(rcpt(f"{name}@x")) for name in ("silent", "loud", "closing", "staying")
    )
    assert (silent.reply, silent.hang_up) == (None, True)
    assert (loud.reply, loud.hang_up) == ("554 5.3.0 Transaction failed", True)
    assert closing.hang_up and not staying.hang_up


def test_a_refused_greeting_always_hangs_up(faults):
    faults.add(RuleSpec("connect", 554))
    verdict = faults.check(Attempt("connect", peer="127.0.0.1:5000"))
    assert verdict.reply == "554 5.3.2 No SMTP service here" and verdict.hang_up


def test_delays_add_up_and_the_first_refusing_rule_decides(faults):
    faults.add(RuleSpec("rcpt", delay=0.5))
    faults.add(RuleSpec("rcpt", 450, delay=0.25, to="bob@*"))
    faults.add(RuleSpec("rcpt", 550, to="bob@*"))
    slow = faults.check(rcpt("ann@x"))
    assert (slow.delay, slow.reply, slow.refusal) == (0.5, None, None)
    refused = faults.check(rcpt("bob@x"))
    assert (refused.delay, refused.reply) == (
        0.75,
        "450 4.2.1 Mailbox unavailable, try again later",
    )


# -- the rule set ---------------------------------------------------------------------------------


def test_remove_by_handle_or_id_and_remove_all_keeping_some(faults):
    a = faults.add(RuleSpec("rcpt", 550))
    b = faults.add(RuleSpec("mail", 451))
    c = faults.add(RuleSpec("end", 554))
    assert a.remove() is True and a.remove() is False
    assert faults.remove(b.id) and not faults.remove("nope")
    d = faults.add(RuleSpec("rcpt", 550))
    assert faults.remove_all(keep={c.id}) == 1
    assert [r.id for r in faults.rules()] == [c.id] and faults.get(d.id) is None
    c.remove()
    assert not faults.active and faults.check(rcpt("a@x")).reply is None


def test_adding_with_an_id_replaces_that_rule(faults):
    faults.add(RuleSpec("mail", 451), rule_id="x")
    faults.add(RuleSpec("rcpt", 550), rule_id="x")
    [rule] = faults.rules()
    assert (rule.id, rule.spec.stage) == ("x", "rcpt")


def test_the_rule_set_is_bounded_all_or_none(faults):
    faults.add_all([RuleSpec("rcpt")] * (MAX_RULES - 1))
    with pytest.raises(RuleError, match="at most"):
        faults.add_all([RuleSpec("rcpt")] * 2)
    assert len(faults.rules()) == MAX_RULES - 1


def test_threads_add_and_remove_rules_while_checks_run(faults):
    errors: list[BaseException] = []
    stop = threading.Event()

    def check_forever() -> None:
        try:
            while not stop.is_set():
                faults.check(rcpt("bob@example.com"))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    def churn() -> None:
        try:
            for _ in range(300):
                faults.add(RuleSpec("rcpt", 550, to="bob@*", times=1)).remove()
        except BaseException as error:  # pragma: no cover
            errors.append(error)

    checker = threading.Thread(target=check_forever)
    churners = [threading.Thread(target=churn) for _ in range(4)]
    checker.start()
    for thread in churners:
        thread.start()
    for thread in churners:
        thread.join(30)
    stop.set()
    checker.join(30)
    assert errors == []
    assert faults.rules() == [] and not faults.active


# -- the refused-mail log -------------------------------------------------------------------------


def test_the_log_says_what_was_refused_and_by_which_rule(faults):
    rule = faults.add(RuleSpec("rcpt", 550, to="bob@*"))
    faults.check(Attempt("rcpt", "127.0.0.1:4000", "client.example", "app@x", ("bob@x",)))
    faults.check(rcpt("ann@x"))  # let through: not logged
    [entry] = faults.refused()
    assert (entry.rule_id, entry.rule, entry.reply, entry.dropped) == (
        rule.id,
        rule.spec,
        "550 5.1.1 Mailbox unavailable",
        False,
    )
    assert entry.attempt == Attempt("rcpt", "127.0.0.1:4000", "client.example", "app@x", ("bob@x",))


def test_delays_alone_are_not_refusals(faults):
    faults.add(RuleSpec("mail", delay=0.1))
    assert faults.check(Attempt("mail", sender="a@x")).delay == 0.1
    assert faults.refused() == []


def test_the_log_is_bounded_and_cuts_client_strings():
    log = RefusedLog()
    spec = RuleSpec("rcpt", 550)
    huge = Attempt("rcpt", helo="h" * 5000, sender="s" * 5000, recipients=("r@x",) * 500)
    for _ in range(LIMIT + 10):
        log.add(0.0, "id", spec, huge, "550", False)
    entries = log.entries()
    assert len(entries) == LIMIT and log.total == LIMIT + 10
    assert entries[0].seq == LIMIT + 10  # newest first
    kept = entries[0].attempt
    assert len(kept.helo) <= 320 and len(kept.sender) <= 320 and len(kept.recipients) == 50
    log.clear()
    assert log.entries() == [] and log.total == 0
