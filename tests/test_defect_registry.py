"""Every `Defect` is complete, and every invalid case carries exactly its defect.

When a member is added to `okroute_model.defects.Defect`, these tests name what it still lacks:
its spec (rule and answer), its mutation (`contracts.mutations`) or the reason it is drawn
nowhere, its finding (the spec's `finds`, or the model code that reads the request), the check
that judges its rule, the platform's text for it when the contract gives none, and a fault that
breaks its rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.cases import Case
from contracts.checks import CHECKS
from contracts.inspect_requests import mistake
from contracts.mutations import MUTATIONS, NOT_DRAWN, invalid_submit
from contracts.strategies import Config
from contracts.target import offline_target
from okroute_mock import platform as platform_module
from okroute_mock.breaks import BREAKS
from okroute_model import classify, wire
from okroute_model.defects import DEFECTS, MO_CREDENTIALS_RULE, Defect
from okroute_model.may import May
from okroute_model.params import Command
from okroute_model.profile import load_profile
from okroute_model.wire import ApiRequest, Method, encode

PROFILE = load_profile()
# The code that finds a defect in what a platform received: the classifier, the decoder, and
# what only a platform knows (its accounts, its routes).
FINDERS = (classify, wire, platform_module)


def _target(flips: frozenset[str] = frozenset()):
    return offline_target(PROFILE, flips=flips, inspect=False)


def _cfg(target, live: bool = False) -> Config:
    t = target
    return Config(t.primary, t.knobs, t.dnis_prefix, live=live, no_route_prefix=t.no_route_prefix)


@pytest.mark.parametrize("defect", list(Defect))
def test_every_defect_is_complete(defect: Defect) -> None:
    spec = DEFECTS.get(defect)
    assert spec is not None, f"{defect}: no DefectSpec in okroute_model/defects.py DEFECTS"
    missing = []
    if defect not in MUTATIONS and defect not in NOT_DRAWN:
        missing.append("a @mutation in contracts/mutations.py (or a NOT_DRAWN reason)")
    sources = "".join(Path(m.__file__).read_text() for m in FINDERS)
    if spec.finds is None and f"Defect.{defect.name}" not in sources:
        missing.append(
            "its finding: `finds=` on its DefectSpec in okroute_model/defects.py (or the code "
            "that reads the request: classify.py, wire.py, the platform)"
        )
    rules = {spec.rule} | ({MO_CREDENTIALS_RULE} if spec.credentials else set())
    for rule in rules:
        if not any(c.rule.name == rule for c in CHECKS.values()):
            missing.append(f"a check row for {rule} in contracts/checks.py")
        if not any(b.rule == rule for b in BREAKS.values()):
            missing.append(f"a Fault and Break for {rule} in okroute_mock/breaks.py")
    if spec.answer is None and defect not in platform_module._UNDOCUMENTED_TEXTS:
        missing.append("a text in okroute_mock/platform.py _UNDOCUMENTED_TEXTS")
    assert not missing, f"{defect} lacks: " + "; ".join(missing)


def test_mutations_say_their_effect() -> None:
    for defect, m in MUTATIONS.items():
        assert m.effect, f"{defect}: {m.apply.__name__} has no docstring saying its effect"


# Each drawn invalid submit, through every variant it can travel, diagnosed by a correct
# platform (the default answers and every MAY answer flipped): its defect first and no other.
TARGETS = {"default": _target(), "flipped": _target(frozenset(May))}


@pytest.mark.parametrize("defect", list(MUTATIONS))
@pytest.mark.parametrize("live", [False, True])
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_each_mutation_carries_exactly_its_defect(defect: Defect, live: bool, data) -> None:
    target = TARGETS["default"]
    case = data.draw(invalid_submit(_cfg(target, live), defect))
    for name, t in TARGETS.items():
        platform = t.fake.platform
        for method in case.methods:
            found = platform.diagnose(encode(case.request, method))
            problem = mistake(case, found)
            assert problem is None, f"{name} {method}: {case.label()} {problem}"


def test_a_second_defect_fails_the_diagnosis() -> None:
    target = TARGETS["default"]
    c = target.primary
    # The old way to go over 2048 characters: items too long to be numbers, a second defect
    # that a platform without the length check still rejects.
    dnis = ",".join([target.dnis_prefix + "1" * 30] * 70)
    request = ApiRequest(Command.SUBMIT, c.username, c.password, (("dnis", dnis), ("message", "x")))
    hidden = Case(request, defect=Defect.DNIS_TOO_LONG)
    problem = mistake(hidden, target.fake.platform.diagnose(encode(request, Method.GET)))
    assert "a platform that ignores one rule would be hidden by another" in str(problem)
    # Declared as a combination, the same request is what it says it is.
    both = Case(request, defect=Defect.DNIS_TOO_LONG, also=(Defect.DNIS_TOO_MANY_DIGITS,))
    assert mistake(both, target.fake.platform.diagnose(encode(request, Method.GET))) is None
