"""A fuzzer over the command line (DESIGN §7): whatever the arguments, exit 0, 1 or 2 with a coded message.

Hypothesis draws a command, options with plausible and hostile values, and
stray tokens, and runs it against a copy of the Juniper store. Every run must
end in exit 0, 1 or 2 without a traceback; a refusal names a code other than
``internal_error`` (which would be a defect) and, with ``--json``, prints it
as JSON; a refused command leaves the store as it was.
``CAPTABLE_FUZZ_EXAMPLES`` raises the number of examples (``benchmarks/soak.py``).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from captable.cli import app
from captable.ledger import Ledger
from tests.conftest import import_juniper

EXAMPLES = int(os.environ.get("CAPTABLE_FUZZ_EXAMPLES", "150"))

hostile = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "-", "--", "all", "ALL", "0", "-1", "1e9", "NaN", "1/0", "３", "\x00", "[/red]",
                     "0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01", "2000-02-30", "1999-06-25T12:00:00",
                     "1999-06-25T25:00:00-08:00", "1999-06-25T12:00:00.1234567-08:00", "2003-12-15T17:00:01-08:00",
                     "x" * 300, "{}", "[]", '{"type": "Listed"}', "\udcff"]),
)
instant = st.one_of(
    st.dates().map(str),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(["1997-09-30", "1999-06-25", "1999-07-01", "2003-12-15T17:00:00-08:00", "2000-07-01"]),
    hostile,
)
value = st.one_of(hostile, instant, st.integers(-10, 10**12).map(str),
                  st.sampled_from(["VLL2-C-1", "W-1", "juniper", "market", "public_offering", "board", "ipo-priced",
                                   "open", "overdue", "json", "html", "markdown", "text"]))

# Each command with the options it knows; hypothesis picks some and a value for each.
COMMANDS: dict[tuple[str, ...], dict[str, st.SearchStrategy[str]]] = {
    ("state",): {"--as-of": instant, "--known-at": instant, "--warrant": value},
    ("exercise-quote",): {"--warrant": value, "--shares": value, "--net": value, "--offering": value, "--at": instant,
                          "--deliver-to": value},
    ("notices",): {"--as-of": instant, "--known-at": instant, "--status": value},
    ("notice-letter",): {"--date": instant, "--format": value},
    ("audit",): {"--as-of": instant, "--known-at": instant, "--warrant": value, "--format": value},
    ("log",): {},
    ("verify",): {},
    ("record",): {},
}
FLAGS = st.lists(st.sampled_from(["--json", "--help", "--nope", "--company", "juniper", "--rebuild"]), max_size=2)


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    args = list(command)
    if command == ("notice-letter",):
        args.append(draw(st.one_of(value, st.just("VLL2-C-1/4.5/preferred-converted"))))
    if command == ("record",):
        args.append(draw(st.one_of(hostile, st.just(json.dumps({"type": "Listed", "effective": draw(instant),
                                                                  "class": draw(value), "exchange": "NASDAQ"})))))
    options = COMMANDS[command]
    for name in draw(st.lists(st.sampled_from(sorted(options)), unique=True)) if options else []:
        args += [name, draw(options[name])]
    return args + draw(FLAGS)


@pytest.fixture(scope="module")
def juniper_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "juniper.db"
    ledger = Ledger(str(path))
    try:
        import_juniper(ledger)
    finally:
        ledger.close()
    return path


def hashes(db: Path) -> list[str]:
    ledger = Ledger(str(db), read_only=True)
    try:
        return [r.hash for r in ledger.history("juniper").records]
    finally:
        ledger.close()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=command_lines())
def test_any_command_line_ends_in_exit_0_1_or_2_with_a_coded_message(juniper_store, tmp_path, args):
    db = tmp_path / "copy.db"
    shutil.copyfile(juniper_store, db)
    before = hashes(db)
    result = CliRunner().invoke(app, ["--db", str(db), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2), result.exit_code
    assert "Traceback" not in result.stderr
    if result.exit_code != 0:
        assert "refused " in result.stderr, result.stderr
        code = result.stderr.split("refused ", 1)[1].split(":", 1)[0]
        assert code != "internal_error", result.stderr
        if "--json" in args and "--help" not in args:
            assert json.loads(result.stdout)["error"]["code"] == code
        assert hashes(db) == before, "a refused command changed the store"
