"""One command-line grammar (issue: a consistent command line).

Every command takes ``--json``; every instant is ``--as-of`` (``--at`` and
``--date`` stay as aliases where they were); every option says what it is
for, with a placeholder that names what goes there; a bad option value is a
usage error (exit 2, code ``usage``); keywords are read in any case; and no
output shows Python's ``None``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer

from captable.cli import app
from tests.test_cli import JUNIPER_EVENTS, run, text

LETTER = "VLL2-C-1/4.5/preferred-converted"  # Juniper's §4.5 notice of the automatic conversion
RAW_LABELS = ("TEXT", "PATH", "INTEGER", "FILENAME", "BOOLEAN")


@pytest.fixture(scope="module")
def juniper(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("grammar") / "juniper.db")
    result = run(db, "import", str(JUNIPER_EVENTS))
    assert result.exit_code == 0, result.stderr
    return db


def commands(group: Any = None, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every command a user can run, with the words that name it."""
    group = group or typer.main.get_command(app)
    found = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group of commands (typer's own click)
            found += commands(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


def params(command: Any) -> list[Any]:
    return [p for p in command.params if p.name != "help"]


def test_the_walk_finds_every_command():
    names = {" ".join(path) for path, _ in commands()}
    assert {"state", "audit", "notice-letter", "exercise-quote", "views build", "quotes import", "head"} <= names


@pytest.mark.parametrize("path,command", commands(), ids=lambda c: " ".join(c) if isinstance(c, tuple) else "")
def test_every_command_takes_json(path, command):
    assert any("--json" in p.opts for p in params(command)), f"captable {' '.join(path)} has no --json"


@pytest.mark.parametrize("path,command", commands(), ids=lambda c: " ".join(c) if isinstance(c, tuple) else "")
def test_every_option_and_argument_says_what_it_is_for_and_what_goes_there(path, command):
    for param in params(command):
        assert (getattr(param, "help", None) or "").strip(), f"{' '.join(path)} {param.name}: no help"
        if not getattr(param, "is_flag", False):
            assert param.metavar, f"{' '.join(path)} {param.name}: a raw type label instead of a placeholder"
    shown = text(run(None, *path, "--help").stdout)
    assert not [label for label in RAW_LABELS if f" {label}" in shown], shown


def test_the_global_options_say_what_goes_there_too():
    shown = text(run(None, "--help").stdout)
    assert "--db PATH|URL" in shown and "--company ID" in shown and "--actor NAME" in shown


# A bad option value is a usage error ------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["state", "--as-of", "2000-13-01"],
    ["state", "--known-at", "yesterday"],
    ["state", "--json", "--csv"],
    ["exercise-quote", "--warrant", "VLL2-C-1", "--shares", "many", "--as-of", "1999-06-01"],
    ["exercise-quote", "--warrant", "VLL2-C-1", "--shares", "10", "--net", "auction", "--as-of", "1999-06-01"],
    ["notices", "--status", "pending"],
    ["notices", "--remind-days", "-1", "--ics", "x.ics"],
    ["audit", "--format", "pdf"],
    ["audit", "--format", "text", "--json"],
    ["notice-letter", LETTER, "--format", "pdf"],
    ["state", "--as-of", "2000-07-01T10:00"],
])
def test_a_bad_option_value_exits_2_with_code_usage(juniper, args):
    result = run(juniper, *args, "--json") if "--json" not in args else run(juniper, *args)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert json.loads(result.stdout)["error"]["code"] == "usage"
    assert "refused usage" in text(result.stderr)


# Names: --as-of everywhere, the old names kept ------------------------------------------------

def test_exercise_quote_takes_as_of_and_keeps_at_as_its_alias(juniper):
    asked = ["exercise-quote", "--warrant", "VLL2-C-1", "--shares", "100", "--json"]
    by_as_of = run(juniper, *asked, "--as-of", "1999-06-01")
    by_at = run(juniper, *asked, "--at", "1999-06-01")
    assert by_as_of.exit_code == 0, by_as_of.stderr
    assert by_as_of.stdout == by_at.stdout and json.loads(by_as_of.stdout)["at"] == "1999-06-01"


def test_notice_letter_takes_as_of_and_keeps_date_as_its_alias(juniper):
    by_as_of = run(juniper, "notice-letter", LETTER, "--as-of", "1999-07-01")
    by_date = run(juniper, "notice-letter", LETTER, "--date", "1999-07-01")
    assert by_as_of.exit_code == 0, by_as_of.stderr
    assert by_as_of.stdout == by_date.stdout and "July 1, 1999" in by_as_of.stdout


def test_audit_json_is_format_json(juniper):
    flag = run(juniper, "audit", "--json", "--as-of", "2000-07-01")
    option = run(juniper, "audit", "--format", "json", "--as-of", "2000-07-01")
    assert flag.exit_code == 0, flag.stderr
    assert flag.stdout == option.stdout and json.loads(flag.stdout)["steps"]


def test_notice_letter_json_gives_the_letters_parts(juniper):
    result = run(juniper, "notice-letter", LETTER, "--as-of", "1999-07-01", "--json")
    assert result.exit_code == 0, result.stderr
    letter = json.loads(result.stdout)
    assert letter["dated"] == "1999-07-01" and letter["signer_title"] == "Chief Financial Officer"
    assert letter["paragraphs"] and letter["calculation"]["title"]


def test_head_json_says_where_the_anchor_went(juniper, tmp_path):
    result = run(juniper, "head", "--out", str(tmp_path / "anchor.json"), "--json")
    assert result.exit_code == 0, result.stderr
    said = json.loads(result.stdout)
    assert said["out"] == str(tmp_path / "anchor.json")
    assert said["anchor"] == json.loads((tmp_path / "anchor.json").read_text())


# Keywords in any case ---------------------------------------------------------------------------

def test_shares_all_in_any_case(juniper):
    asked = ["exercise-quote", "--warrant", "VLL2-C-1", "--as-of", "1999-06-01", "--json", "--shares"]
    answers = {run(juniper, *asked, word).stdout for word in ("all", "ALL", "All")}
    assert len(answers) == 1 and json.loads(answers.pop())["units"] == "20381"


@pytest.mark.parametrize("args,same_as", [
    (["audit", "--format", "JSON"], ["audit", "--format", "json"]),
    (["audit", "--format", "Markdown"], ["audit", "--format", "markdown"]),
    (["notices", "--status", "MET", "--json"], ["notices", "--status", "met", "--json"]),
    (["notice-letter", LETTER, "--format", "HTML"], ["notice-letter", LETTER, "--format", "html"]),
])
def test_keywords_in_any_case(juniper, args, same_as):
    when = ["--as-of", "2000-07-01"]
    result, expected = run(juniper, *args, *when), run(juniper, *same_as, *when)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected.stdout


# No None in any output ----------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["state", "--known-at", "1990-01-01"],
    ["state", "--known-at", "1990-01-01", "--json"],
    ["audit", "--diff", "1990-01-01", "1991-01-01"],
    ["audit", "--known-at", "1990-01-01"],
    ["audit", "--known-at", "1990-01-01", "--format", "markdown"],
    ["audit", "--known-at", "1990-01-01", "--format", "html"],
    ["notices", "--known-at", "1990-01-01"],
    ["exercise-quote", "--warrant", "VLL2-C-1", "--shares", "10", "--net", "public_offering", "--as-of",
     "1999-06-01"],
    ["exercise-quote", "--warrant", "VLL2-C-1", "--shares", "10", "--as-of", "1999-06-01"],
    ["log"],
    ["verify"],
    ["state", "--as-of", "2000-07-01"],
    ["notices", "--as-of", "2000-07-01"],
    ["audit", "--as-of", "2000-07-01"],
    ["notice-letter", LETTER, "--as-of", "1999-07-01"],
])
def test_no_output_shows_pythons_none(juniper, args):
    result = run(juniper, *args)
    assert "None" not in result.stdout + result.stderr, result.stdout + result.stderr


def test_a_public_offering_exercise_without_an_offering_says_what_to_name(juniper):
    result = run(juniper, "exercise-quote", "--warrant", "VLL2-C-1", "--shares", "10", "--net", "public_offering",
                 "--as-of", "1999-06-01")
    assert result.exit_code == 1
    assert "name the offering" in result.stderr and "no public offering is priced by then" in result.stderr


def test_state_before_any_event_is_known_names_the_company(juniper):
    body = json.loads(run(juniper, "state", "--known-at", "1990-01-01", "--json").stdout)
    assert body["company"] == "juniper" and body["warrants"] == []
    assert text(run(juniper, "state", "--known-at", "1990-01-01").stdout).startswith("juniper  as of")


# Errors that say how to fix ----------------------------------------------------------------------

@pytest.mark.parametrize("when,offset", [("2000-07-01T10:00", "-07:00"), ("2000-01-01T10:00", "-08:00")])
def test_a_naive_date_time_is_told_the_zones_real_offset_on_that_date(juniper, when, offset):
    result = run(juniper, "state", "--as-of", when)
    assert result.exit_code == 2
    assert f"e.g. {when}:00{offset} (the offset in America/Los_Angeles on that date)" in text(result.stderr)


def test_a_naive_effective_instant_in_an_event_is_told_the_offset_too(tmp_path):
    event = {"type": "CompanyFormed", "id": "c", "effective": "1996-07-15T09:00", "company": "acme",
             "name": "Acme", "address": "1 Main St"}
    result = run(str(tmp_path / "x.db"), "record", json.dumps(event))
    assert result.exit_code == 1
    assert "1996-07-15T09:00:00-07:00" in text(result.stderr)


@pytest.mark.parametrize("how", ["argument", "stdin"])
def test_a_byte_order_mark_before_one_event_is_accepted(tmp_path, how):
    event = json.dumps({"type": "CompanyFormed", "id": "c", "effective": "1996-07-15", "company": "acme",
                        "name": "Acme", "address": "1 Main St"})
    db = str(tmp_path / "x.db")
    if how == "argument":
        result = run(db, "record", "\ufeff" + event)
    else:
        result = typer.testing.CliRunner().invoke(app, ["--db", db, "record", "-"],
                                                  input=b"\xef\xbb\xbf" + event.encode())
    assert result.exit_code == 0, result.stderr
    assert "Stored 1 event for acme" in result.stdout

