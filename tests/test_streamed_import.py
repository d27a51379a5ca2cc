"""A JSON Lines body checked as it streams in: the first malformed line refused at once with its number and
nothing more read, a body over the limit refused as soon as it passes it (declared or chunked), a good
body stored whole, and nothing stored on any refusal. The body is fed to the ASGI app chunk by chunk, so
the tests see how much of it the service read."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import captable
from benchmarks.synthetic import history
from captable import errors, streamed_import
from captable.service import create_app

LINES = [line + "\n" for line in history(10_000, seed=3)]


def chunks_of(lines: list[str], per_chunk: int) -> list[bytes]:
    return ["".join(lines[k:k + per_chunk]).encode() for k in range(0, len(lines), per_chunk)]


def post(app: Any, path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]] = ()) -> tuple[int, Any, int]:
    """POST ``chunks`` to ``app`` as an ASGI server would hand them over (chunked: no Content-Length unless
    given); the status, the JSON answer and how many chunks the service pulled."""
    feed: Iterator[bytes] = iter(chunks)
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(feed, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"transfer-encoding", b"chunked"), *headers],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body), pulled


def stored_events(db: str) -> int:
    try:
        with captable.open(db) as books:
            return sum(books.head(company=c)["events"] for c in books.companies())
    except errors.StoreNotFound:
        return 0


def test_a_bad_third_line_of_ten_thousand_is_refused_at_once_and_nothing_is_stored(tmp_path):
    db = str(tmp_path / "x.db")
    lines = list(LINES)
    lines[2] = '{"type": "SharesIssued", "effective": "1999-01-01", "shares": 1.5}\n'
    chunks = chunks_of(lines, 100)
    status, answer, pulled = post(create_app(db), "/import", chunks)
    assert (status, answer["error"]["line"]) == (422, 3)
    assert answer["error"]["code"] in ("invalid_event", "malformed_json")
    assert pulled == 1, "the refusal came with the first chunk; the other 99 were never read"
    assert stored_events(db) == 0


def test_a_line_split_across_chunks_is_checked_whole(tmp_path):
    db = str(tmp_path / "x.db")
    body = "".join(LINES[:50]).encode()
    pieces = [body[k:k + 37] for k in range(0, len(body), 37)]
    status, answer, _ = post(create_app(db), "/import", pieces)
    assert (status, answer) == (200, {"stored": {"synthco": 50}, "already_stored": 0})


def test_a_good_ten_thousand_line_body_is_stored_whole(tmp_path):
    db = str(tmp_path / "x.db")
    status, answer, pulled = post(create_app(db), "/import", chunks_of(LINES, 250))
    assert (status, answer, pulled) == (200, {"stored": {"synthco": 10_000}, "already_stored": 0}, 40)
    assert stored_events(db) == 10_000
    with captable.open(db) as books:
        assert books.verify().body["companies"][0]["events"] == 10_000


def test_an_oversize_chunked_body_is_a_413_as_soon_as_it_passes_the_limit(tmp_path):
    db = str(tmp_path / "x.db")
    chunks = chunks_of(LINES, 100)
    limit = sum(map(len, chunks[:3])) + 10
    status, answer, pulled = post(create_app(db, max_body=limit), "/import", chunks)
    assert (status, answer["error"]["code"], answer["error"]["field"]) == (413, "too_large", "body")
    assert pulled == 4, "refused with the chunk that passed the limit; the rest was never read"
    assert stored_events(db) == 0


def test_a_declared_length_over_the_limit_is_refused_before_any_of_it_is_read(tmp_path):
    db = str(tmp_path / "x.db")
    status, answer, pulled = post(create_app(db, max_body=1000), "/import", chunks_of(LINES, 100),
                                  [(b"content-length", b"2000")])
    assert (status, answer["error"]["code"], pulled) == (413, "too_large", 0)


def test_a_refused_line_in_a_later_chunk_leaves_an_existing_store_as_it_was(tmp_path):
    db = str(tmp_path / "x.db")
    service = TestClient(create_app(db))
    assert service.post("/import", content="".join(LINES[:100])).status_code == 200
    lines = list(LINES[100:3000])
    lines[2500] = "{oops\n"
    status, answer, pulled = post(create_app(db), "/import", chunks_of(lines, 500))
    assert (status, answer["error"]["code"], answer["error"]["line"], pulled) == (422, "malformed_json", 2501, 6)
    assert stored_events(db) == 100


def test_a_line_that_never_ends_is_refused_not_kept(monkeypatch):
    monkeypatch.setattr(streamed_import.textfiles, "MAX_LINE", 1000)

    async def zeros():
        for _ in range(100):
            yield b"0" * 300

    with pytest.raises(errors.UnreadableInput) as refused:
        asyncio.run(streamed_import.received(zeros(), 10**9))
    assert refused.value.line == 1


def test_a_large_body_is_spooled_to_disk_not_held_in_memory():
    async def body():
        for chunk in chunks_of(LINES, 500):
            yield chunk

    spool = asyncio.run(streamed_import.received(body(), 10**9))
    with spool:
        assert spool._rolled and spool.read() == "".join(LINES).encode()  # type: ignore[attr-defined]


def test_the_library_imports_a_file_by_path_or_open(tmp_path):
    path = tmp_path / "h.jsonl"
    path.write_text("".join(LINES[:200]), encoding="utf-8")
    with captable.open(str(tmp_path / "a.db")) as books:
        assert books.import_file(path).stored == {"synthco": 200}
        assert books.import_file(path).already_stored == 200
    with captable.open(str(tmp_path / "b.db")) as books:
        assert books.import_file(io.BytesIO(path.read_bytes())).stored == {"synthco": 200}
    with captable.open(str(tmp_path / "c.db")) as books, pytest.raises(errors.Refused) as refused:
        books.import_file(io.BytesIO(b'{"type": "CompanyFormed"}\n{oops\n'), name="upload.jsonl")
    assert (refused.value.line, [o.line for o in refused.value.others]) == (1, [2])  # type: ignore[attr-defined]
    assert not (tmp_path / "c.db").exists()
