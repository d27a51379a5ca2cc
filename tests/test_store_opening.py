"""Opening a store (DESIGN §7): reads never create one, and every odd store or environment is a coded refusal.

Missing files and folders, folders, foreign files, read-only media, an
unreachable PostgreSQL server, a bad schema name and input files that are
not text all end in exit 1 or 2 with a code, never a traceback.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from captable.cli import app
from tests.conftest import COMPANY, JUNIPER, POSTGRES, _drop_schema, _postgres_url

JUNIPER_EVENTS = str(JUNIPER / "events.jsonl")
READS = [
    ["state"], ["notices"], ["audit"], ["log"], ["verify"],
    ["exercise-quote", "--warrant", "W-1", "--shares", "1"],
    ["notice-letter", "W-1/4.5/x"],
]


def run(db: str, *args: str):  # type: ignore[no-untyped-def]
    as_json = [] if args[0] in ("notice-letter", "audit") else ["--json"]  # these two print documents
    result = CliRunner().invoke(app, ["--db", db, *args, *as_json])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def code_of(result) -> str:  # type: ignore[no-untyped-def]
    """The refusal's code, from the JSON on standard output or the words on standard error."""
    try:
        return json.loads(result.stdout)["error"]["code"]
    except (ValueError, KeyError):
        return result.stderr.split("refused ", 1)[1].split(":", 1)[0]


@pytest.mark.parametrize("args", READS, ids=lambda a: a[0])
def test_a_read_of_a_missing_store_is_refused_and_creates_nothing(tmp_path, args):
    store = tmp_path / "missing.db"
    result = run(str(store), *args)
    assert result.exit_code == 1 and code_of(result) == "store_not_found"
    assert list(tmp_path.iterdir()) == []


def test_building_views_of_a_missing_store_writes_no_views(tmp_path):
    result = run(str(tmp_path / "missing.db"), "views", "build", "--out", str(tmp_path / "views.db"))
    assert result.exit_code == 1 and code_of(result) == "store_not_found"
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_named_and_not_created(tmp_path):
    store = tmp_path / "no" / "such" / "folder.db"
    for args in (["state"], ["import", JUNIPER_EVENTS]):
        result = run(str(store), *args)
        assert result.exit_code == 1 and code_of(result) == "store_not_found"
        assert "folder" in result.stderr
    assert not (tmp_path / "no").exists()


def test_an_empty_db_option_is_a_usage_error(tmp_path):
    result = run("", "state")
    assert result.exit_code == 2 and code_of(result) == "usage"


def test_a_folder_is_not_a_store(tmp_path):
    result = run(str(tmp_path), "state")
    assert result.exit_code == 1 and code_of(result) == "store_unavailable" and "folder" in result.stderr


@pytest.mark.parametrize("content", [b"hello, not a database\n", b"SQLite format 3\x00" + b"\xff" * 200],
                         ids=["text", "corrupt-header"])
def test_a_file_that_is_not_sqlite_is_refused_and_left_as_it_was(tmp_path, content):
    foreign = tmp_path / "notes.db"
    foreign.write_bytes(content)
    for args in (["state"], ["import", JUNIPER_EVENTS]):
        result = run(str(foreign), *args)
        assert result.exit_code == 1 and code_of(result) == "not_a_store"
    assert foreign.read_bytes() == content


def test_a_sqlite_database_of_something_else_is_not_a_store(tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (n INTEGER)")
    result = run(str(other), "import", JUNIPER_EVENTS)
    assert result.exit_code == 1 and code_of(result) == "not_a_store"
    with sqlite3.connect(other) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["invoices"]


@pytest.fixture
def read_only_media(tmp_path):  # type: ignore[no-untyped-def]
    """A folder holding the Juniper store, mounted read-only (as a CD or a write-protected share would be)."""
    source, mounted = tmp_path / "source", tmp_path / "media"
    source.mkdir()
    mounted.mkdir()
    assert CliRunner().invoke(app, ["--db", str(source / "j.db"), "import", JUNIPER_EVENTS]).exit_code == 0
    bind = subprocess.run(["mount", "--bind", str(source), str(mounted)], capture_output=True)
    if bind.returncode != 0:
        pytest.skip(f"cannot mount a read-only folder here (needs root): {bind.stderr.decode().strip()}")
    try:
        remount = subprocess.run(["mount", "-o", "remount,ro,bind", str(mounted)], capture_output=True)
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only here: {remount.stderr.decode().strip()}")
        yield mounted / "j.db"
    finally:
        subprocess.run(["umount", str(mounted)], check=False)


@pytest.mark.parametrize("args", [["verify"], ["state", "--as-of", "2000-07-01"], ["log"], ["notices"], ["audit"]],
                         ids=lambda a: a[0])
def test_a_store_on_read_only_media_answers_every_read(read_only_media, args):
    result = run(str(read_only_media), *args)
    assert result.exit_code == 0, result.stderr


def test_a_write_to_a_store_on_read_only_media_is_refused(read_only_media):
    listed = {"type": "Listed", "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ"}
    result = run(str(read_only_media), "record", json.dumps(listed))
    assert result.exit_code == 1 and code_of(result) == "store_read_only"


@pytest.mark.parametrize("out", ["no/such/folder/views.db", "notes.txt"], ids=["missing-folder", "not-sqlite"])
def test_views_go_only_to_a_sqlite_file_in_an_existing_folder(tmp_path, out):
    store = tmp_path / "j.db"
    assert CliRunner().invoke(app, ["--db", str(store), "import", JUNIPER_EVENTS]).exit_code == 0
    (tmp_path / "notes.txt").write_text("not a database\n", encoding="utf-8")
    result = run(str(store), "views", "build", "--out", str(tmp_path / out))
    assert result.exit_code == 1 and code_of(result) == "file_error" and json.loads(result.stdout)["error"]["field"] == "out"
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "not a database\n"


# Input files ---------------------------------------------------------------------------------

def test_importing_an_endless_device_is_refused_at_once(tmp_path):
    result = run(str(tmp_path / "x.db"), "import", "/dev/zero")
    assert result.exit_code == 1 and code_of(result) == "unreadable_input"
    assert not (tmp_path / "x.db").exists()


def test_a_file_that_is_not_utf8_is_refused_naming_its_line(tmp_path):
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes(json.dumps(COMPANY[0]).encode() + b"\n" + '{"type": "Listed", "source": "Caf\xe9"}\n'.encode("latin-1"))
    result = run(str(tmp_path / "x.db"), "import", str(latin1))
    assert result.exit_code == 1 and code_of(result) == "unreadable_input"
    assert json.loads(result.stdout)["error"]["line"] == 2


def test_a_byte_order_mark_at_the_start_of_a_file_is_skipped(tmp_path):
    marked = tmp_path / "exported.jsonl"
    marked.write_bytes(b"\xef\xbb\xbf" + "".join(json.dumps(e) + "\n" for e in COMPANY).encode())
    result = run(str(tmp_path / "x.db"), "import", str(marked))
    assert result.exit_code == 0, result.stderr


# PostgreSQL ----------------------------------------------------------------------------------

def test_an_unreachable_postgresql_server_is_named():
    result = run("postgresql://postgres@127.0.0.1:1/test", "state")
    assert result.exit_code == 1 and code_of(result) == "store_unavailable" and "127.0.0.1:1" in result.stderr


@pytest.mark.parametrize("schema", ["Bad-Name", "pg_catalog", "x" * 64, "drop;table"])
def test_a_bad_schema_name_is_a_usage_error(schema):
    result = run(f"postgresql://postgres@127.0.0.1:5432/test?schema={schema}", "state")
    assert result.exit_code == 2 and code_of(result) == "usage"


@pytest.mark.postgres
def test_a_read_of_a_missing_postgresql_store_creates_no_schema():
    if not POSTGRES:
        pytest.skip("PostgreSQL not configured: set CAPTABLE_TEST_POSTGRES=postgresql://user@host:port/db to run")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    result = run(_postgres_url(schema), "verify")
    assert result.exit_code == 1 and code_of(result) == "store_not_found"
    with psycopg.connect(POSTGRES) as conn:
        assert conn.execute("SELECT to_regnamespace(%s)", (schema,)).fetchone()[0] is None
    _drop_schema(schema)


def test_the_script_prints_no_traceback_for_a_missing_store(tmp_path):
    script = shutil.which("captable") or str(Path(__import__("sys").executable).with_name("captable"))
    done = subprocess.run([script, "--db", str(tmp_path / "nope.db"), "state"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr and "store_not_found" in done.stderr


def test_an_argument_that_is_not_utf8_gets_a_coded_refusal_even_on_a_strict_terminal(tmp_path):
    store = tmp_path / "j.db"
    assert CliRunner().invoke(app, ["--db", str(store), "import", JUNIPER_EVENTS]).exit_code == 0
    script = shutil.which("captable") or str(Path(__import__("sys").executable).with_name("captable"))
    strict = {**__import__("os").environ, "PYTHONIOENCODING": "utf-8:strict"}
    done = subprocess.run([script, "--db", str(store), "state", "--warrant", b"W\xff", "--json"], capture_output=True,
                          env=strict, timeout=60)
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    error = json.loads(done.stdout)["error"]
    assert error["code"] == "unknown_warrant" and error["value"] == "W\udcff"
