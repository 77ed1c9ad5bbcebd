"""MAY points (§1, §3, §6): undocumented behaviour where deployments differ.

Never judged. The contract suite records what it sees at these points, the behaviour fingerprint
probes each one on purpose, and the mock platform has a default answer and a flipped one for each
(`okroute-mock --may-flip`) so that the suite is proven not to fail on either.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MayPoint:
    name: str
    section: str
    question: str


MAY_POINTS: dict[str, MayPoint] = {
    p.name: p
    for p in (
        MayPoint("form-post", "§1", "is a POST with a form-encoded body accepted?"),
        MayPoint(
            "query-body-precedence",
            "§1",
            "when a field is in both the query and the body, which one wins?",
        ),
        MayPoint("query-via-post", "§1", "is command=query accepted through POST?"),
        MayPoint("single-object-dnis", "§3", "does a single-number answer carry dnis?"),
        MayPoint(
            "segment-num-multi",
            "§3",
            "does segment_num appear for several numbers without splitting?",
        ),
        MayPoint(
            "single-id-split-entries",
            "§3",
            "does single_id_split answer one entry per segment or one per number?",
        ),
        MayPoint(
            "split-or-payload-single",
            "§3",
            "does split_or_payload split a long text for one number, or send a payload?",
        ),
        MayPoint("undocumented-error-texts", "§3", "what do undocumented errors say?"),
        MayPoint(
            "out-of-range-ints",
            "§3",
            "are out-of-range or non-integer optional integers rejected or ignored?",
        ),
        MayPoint(
            "unknown-long-message-mode", "§3", "is an unknown longMessageMode rejected or ignored?"
        ),
        MayPoint("command-case", "§6", "is command=SUBMIT accepted?"),
        MayPoint("unknown-params", "§6", "are unknown parameters rejected or ignored?"),
        MayPoint("plus-prefix", "§6", "is a '+' in front of a number accepted?"),
        MayPoint("dnis-list-spaces", "§6", "are spaces or empty items in the dnis list accepted?"),
        MayPoint("ani-format", "§6", "is an ani over 32 symbols or with punctuation accepted?"),
        MayPoint("service-type-7-9", "§3", "is a serviceType of 7 to 9 bytes accepted?"),
        MayPoint("json-types", "§6", "are JSON numbers accepted where strings are expected?"),
        MayPoint("dnis-json-array", "§6", "is dnis accepted as a JSON array?"),
        MayPoint("mo-response", "§5", "what does command=mo answer?"),
        MayPoint("query-missing-id", "§4", "what does a query without messageId answer?"),
        MayPoint("unknown-id-answer", "§4", "is a never-issued ID UNKNOWN or a 4xx?"),
        MayPoint("cross-account-answer", "§2", "is another account's message UNKNOWN or a 4xx?"),
        MayPoint("content-types", "§3", "which Content-Type labels JSON answers and errors?"),
        MayPoint(
            "optional-param-limits",
            "§3",
            "are incMsgId over 128 symbols or a malformed validityPeriod rejected?",
        ),
        MayPoint("throttling", "§6", "how does the platform answer when it throttles?"),
    )
}
