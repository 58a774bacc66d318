"""Rules as JSON (the HTTP API's and ``--rules FILE``'s shape) and Mailpit's chaos triggers."""

from __future__ import annotations

import json

import pytest

from mailtrap.faults import Attempt, Faults, RuleError, RuleSpec
from mailtrap.faults.schema import chaos_json, rule_json, set_chaos, spec_from_json, specs_from_json


def test_json_fields_match_in_any_case_and_nulls_mean_absent():
    spec = spec_from_json(
        {"stage": "RCPT", "CODE": 550, "Text": "No such user", "to": "bob@*", "Delay": None}
    )
    assert spec == RuleSpec("rcpt", 550, "No such user", to="bob@*")


def test_rate_is_an_object_or_a_pair():
    assert spec_from_json({"Stage": "mail", "Rate": {"Count": 2, "Seconds": 60}}).rate == (2, 60)
    assert spec_from_json({"Stage": "mail", "rate": [2, 0.5]}).rate == (2, 0.5)
    with pytest.raises(RuleError, match="Count"):
        spec_from_json({"Stage": "mail", "Rate": {"Count": 2}})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([{}], "Stage is required"),
        ({"Code": 550}, "Stage is required"),
        ({"Stage": "rcpt", "Probabilty": 0.5}, "unknown field.*Probabilty"),
        ({"Stage": "rcpt", "Code": True}, "whole number"),
        ("rcpt", "must be a JSON object"),
    ],
)
def test_bad_json_rules_say_why(data, message):
    with pytest.raises(RuleError, match=message):
        specs_from_json(data)


def test_an_empty_list_is_no_rules():
    assert specs_from_json([]) == []


def test_a_list_error_names_the_rule():
    with pytest.raises(RuleError, match="rule 2: code must be"):
        specs_from_json([{"Stage": "rcpt"}, {"Stage": "rcpt", "Code": 700}])


def test_a_listing_reads_back_as_the_same_rules():
    faults = Faults()
    rules = faults.add_all(
        [
            RuleSpec("rcpt", 550, "Nope", to="*@blocked.example", times=2),
            RuleSpec("mail", rate=(10, 60.0), delay=0.5),
            RuleSpec("end", 554, subject="Invoice", probability=0.25, seed=4),
            RuleSpec("connect", drop=True),
        ]
    )
    listing = json.loads(json.dumps([rule_json(rule) for rule in rules]))
    assert listing[0]["Reply"] == "550 5.1.1 Nope"
    assert listing[1]["Rate"] == {"Count": 10, "Seconds": 60.0}
    assert listing[2]["Seed"] == 4 and listing[0]["Fired"] == 0 and listing[0]["Remaining"] == 2
    assert listing[3]["Reply"] is None  # hangs up without a word
    assert specs_from_json(listing) == [rule.spec for rule in rules]


# -- Mailpit's chaos ------------------------------------------------------------------------------


def test_chaos_defaults_are_mailpits():
    assert chaos_json(Faults()) == {
        "Sender": {"ErrorCode": 451, "Probability": 0},
        "Recipient": {"ErrorCode": 451, "Probability": 0},
        "Authentication": {"ErrorCode": 535, "Probability": 0},
    }


def test_chaos_triggers_become_rules_and_omitted_ones_reset():
    faults = Faults()
    shown = set_chaos(faults, {"Recipient": {"ErrorCode": 550, "Probability": 100}})
    assert shown["Recipient"] == {"ErrorCode": 550, "Probability": 100}
    [rule] = faults.rules()
    assert (rule.id, rule.spec.stage, rule.spec.code) == ("chaos-recipient", "rcpt", 550)
    refused = faults.check(Attempt("rcpt", sender="a@x", recipients=("b@x",)))
    assert refused.reply == "550 5.1.1 Chaos recipient error"

    shown = set_chaos(faults, {"sender": {"errorcode": 450, "probability": 29}})
    assert shown == {
        "Sender": {"ErrorCode": 450, "Probability": 29},
        "Recipient": {"ErrorCode": 451, "Probability": 0},
        "Authentication": {"ErrorCode": 535, "Probability": 0},
    }
    assert [r.id for r in faults.rules()] == ["chaos-sender"]
    assert set_chaos(faults, {}) == chaos_json(Faults()) and faults.rules() == []


def test_a_chaos_code_set_with_zero_probability_is_shown_back():
    faults = Faults()
    shown = set_chaos(faults, {"Authentication": {"ErrorCode": 454, "Probability": 0}})
    assert shown["Authentication"] == {"ErrorCode": 454, "Probability": 0}
    assert faults.check(Attempt("auth")).reply is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"Sender": {"ErrorCode": 200, "Probability": 5}}, "between 400 and 599"),
        ({"Sender": {"ErrorCode": 451, "Probability": 101}}, "between 0 and 100"),
        ({"Sender": {"Probability": 0.5}}, "whole number"),
        ({"Sender": 5}, "must be an object"),
        ({"Everything": {}}, "unknown trigger"),
        ([], "JSON object"),
    ],
)
def test_bad_chaos_is_refused_and_changes_nothing(data, message):
    faults = Faults()
    set_chaos(faults, {"Sender": {"ErrorCode": 451, "Probability": 10}})
    before = chaos_json(faults)
    with pytest.raises(RuleError, match=message):
        set_chaos(faults, data)
    assert chaos_json(faults) == before
