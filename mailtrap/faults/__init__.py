"""Fault injection: rules that make the SMTP server refuse, stall or hang up, on purpose.

Pure logic, no I/O: :mod:`.spec` checks what a rule says, :mod:`.rules` holds a server's rules
and decides at each stage, :mod:`.replies` words the reply, :mod:`.refused` keeps the bounded
log of what was refused, :mod:`.schema` speaks JSON (and Mailpit's chaos). The SMTP layer
(``servers/faults.py``) carries the decisions out.

PYTEST_DONT_REWRITE
"""

from typing import TYPE_CHECKING

from ..exports import later
from .rules import Faults, Rule, Verdict

if TYPE_CHECKING:
    from .refused import Attempt, Refusal
    from .spec import STAGES, RuleError, RuleSpec

#: Loaded with the first rule, not with the SMTP server.
__getattr__ = later(
    __name__,
    {".refused": ("Attempt", "Refusal"), ".spec": ("STAGES", "RuleError", "RuleSpec")},
)


__all__ = ["STAGES", "Attempt", "Faults", "Refusal", "Rule", "RuleError", "RuleSpec", "Verdict"]
