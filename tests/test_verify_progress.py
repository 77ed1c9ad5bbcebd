"""okroute-verify's progress lines: tests counted from pytest's verbose lines, the load smoke's
own line passed on, a log spared a line per test. In process, no sockets."""

from __future__ import annotations

import io
import sys

from okroute_verify import progress


class _Log(io.StringIO):
    def isatty(self) -> bool:
        return False


def test_tests_are_counted_as_their_lines_come_and_the_last_count_is_said() -> None:
    out = _Log()
    shown = progress.Progress(out)
    on_line = progress.contract_tests(shown, total=3)
    for line in (
        "contracts/suite/test_1_boundaries.py::test_boundary[a] PASSED       [ 33%]",
        "some captured output that is not a result",
        "contracts/suite/test_3_auth.py::test_x SKIPPED (budget: left out)   [ 66%]",
        "contracts/suite/test_4_query.py::test_y FAILED                      [100%]",
    ):
        on_line(line)
    shown.done()
    lines = out.getvalue().splitlines()
    assert lines[0] == "  contract: 1/3 tests"  # the first at once, then at most one per 5 s
    assert lines[-1] == "  contract: 3/3 tests" and len(lines) == 2


def test_the_load_smokes_own_lines_are_passed_on() -> None:
    out = _Log()
    shown = progress.Progress(out)
    on_line = progress.load_smoke(shown)
    on_line("okroute-load: 2s/3s  60 answers  30/s  p99 4 ms")
    on_line("a Locust log line")
    shown.done()
    assert out.getvalue() == "  load smoke: 2s/3s  60 answers  30/s  p99 4 ms\n"


def test_stream_keeps_the_output_whole_while_it_passes_each_line_on() -> None:
    seen: list[str] = []
    code = "import sys; print('one'); print('two'); print('err', file=sys.stderr); sys.exit(3)"
    result = progress.stream([sys.executable, "-c", code], {}, 60, seen.append)
    assert seen == ["one", "two"] and result.stdout == "one\ntwo\n"
    assert result.stderr == "err\n" and result.returncode == 3
