"""Fault-injection routes: the rules, the refused-mail log, and Mailpit's chaos triggers.

``GET/POST /api/v1/rules`` and ``DELETE /api/v1/rules[/{ID}]`` manage the SMTP server's rules
(a JSON object, or a list of them, in the shape ``--rules FILE`` takes); ``GET/DELETE
/api/v1/refused`` read and empty the refused-mail log; ``GET/PUT /api/v1/chaos`` speak Mailpit's
chaos API, mapped onto rules. The rules themselves live in :mod:`mailtrap.faults`.

Their routes are at the end (``ROUTES``), joined into the route table, :mod:`.routes`.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from flask import Response

from ..faults import RuleError
from ..faults.schema import chaos_json, refusal_json, rule_json, set_chaos, specs_from_json
from .openapi import ERROR, OK, body, json_content, operation, path_param, ref, text
from .respond import ApiError, as_json, json_body, ok, state
from .route import Route


def list_rules() -> Response:
    return as_json([rule_json(rule) for rule in state().faults.rules()])


def add_rules() -> Response:
    body = json_body()
    try:
        rules = state().faults.add_all(specs_from_json(body))
    except RuleError as error:
        raise ApiError(400, str(error)) from None
    created = [rule_json(rule) for rule in rules]
    return as_json(created if isinstance(body, list) else created[0])


def delete_rules() -> Response:
    state().faults.remove_all()
    return ok()


def delete_rule(ID: str) -> Response:
    if not state().faults.remove(ID):
        raise ApiError(404, "rule not found")
    return ok()


def refused() -> Response:
    faults = state().faults
    entries = faults.refused()
    return as_json(
        {"total": faults.refused_total, "refused": [refusal_json(entry) for entry in entries]}
    )


def clear_refused() -> Response:
    state().faults.clear_refused()
    return ok()


def get_chaos() -> Response:
    return as_json(chaos_json(state().faults))


def put_chaos() -> Response:
    try:
        return as_json(set_chaos(state().faults, json_body(empty={})))
    except RuleError as error:
        raise ApiError(400, str(error)) from None


_RULES = {"type": "array", "items": ref("Rule")}

#: These routes, as the route table (:mod:`.routes`) lists them.
ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/api/v1/rules",
        operation(
            "List the SMTP fault-injection rules, oldest first (mailtrap addition)",
            {"200": json_content(_RULES)},
        ),
        list_rules,
        admin=True,
    ),
    Route(
        "POST",
        "/api/v1/rules",
        operation(
            "Add a rule, or a list of rules (all or none); answers what was added",
            {"200": json_content({"oneOf": [ref("Rule"), _RULES]}), "400": ERROR},
            requestBody=body(
                {"oneOf": [ref("RuleRequest"), {"type": "array", "items": ref("RuleRequest")}]},
                True,
            ),
        ),
        add_rules,
        admin=True,
    ),
    Route(
        "DELETE",
        "/api/v1/rules",
        operation("Remove every rule", OK),
        delete_rules,
        admin=True,
    ),
    Route(
        "DELETE",
        "/api/v1/rules/{ID}",
        operation(
            "Remove one rule",
            {"200": text('"ok"'), "404": ERROR},
            [path_param("ID", "Rule ID")],
        ),
        delete_rule,
        admin=True,
    ),
    Route(
        "GET",
        "/api/v1/refused",
        operation(
            "The refused-mail log, newest first: what rules refused, and which rule",
            {"200": json_content(ref("Refused"))},
        ),
        refused,
        admin=True,
    ),
    Route(
        "DELETE",
        "/api/v1/refused",
        operation("Empty the refused-mail log", OK),
        clear_refused,
        admin=True,
    ),
    Route(
        "GET",
        "/api/v1/chaos",
        operation(
            "Mailpit's chaos triggers (mapped onto rules)", {"200": json_content(ref("Chaos"))}
        ),
        get_chaos,
        admin=True,
    ),
    Route(
        "PUT",
        "/api/v1/chaos",
        operation(
            "Set Mailpit's chaos triggers; omitted ones are turned off",
            {"200": json_content(ref("Chaos")), "400": ERROR},
            requestBody=body(ref("Chaos")),
        ),
        put_chaos,
        admin=True,
    ),
)
