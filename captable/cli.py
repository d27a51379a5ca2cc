"""The ``captable`` command line (DESIGN §7).

Exit status: 0 success; 1 the input was refused (a rule or a validation
error), with the refusal on standard error and, with ``--json``, as JSON on
standard output; 2 a usage error. A refused command stores nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup
from typer.exceptions import TyperException

# Start-up: only the modules above load before a command runs (`--help` needs no more); each command
# imports what it uses, so that no command pays for the store, the models or the calendars it does not touch.
from captable import boundary, errors, textfiles
from captable.rate_limits import DEFAULT_PER_SECOND
from captable.textfiles import printable

if TYPE_CHECKING:
    from captable import progress
    from captable.api import Books
    from captable.ledger import ImportReport, Ledger
    from captable.results import Stored


class _Guarded(TyperGroup):
    """The command line's error boundary: every run ends in exit 0, 1 or 2 with a coded message (DESIGN §7)."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        try:
            status = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
            status = status if isinstance(status, int) else 0
            if status == 130:  # typer's answer to Ctrl-C
                raise errors.Interrupted("interrupted; an unfinished write stored nothing")
        except typer.BadParameter as error:
            status = _refuse(errors.BadOption(error.format_message(), field=_option_name(error)), _wants_json(argv))
        except TyperException as error:  # an unknown command or option, a missing argument
            status = _refuse(errors.Usage(_usage_text(error)), _wants_json(argv))
        except typer.Abort:
            status = _refuse(errors.Interrupted("aborted; an unfinished write stored nothing"), _wants_json(argv))
        except Exception as error:  # the boundary: nothing escapes as a traceback
            status = _refuse(boundary.explain(error), _wants_json(argv))
        if standalone_mode:
            sys.exit(status)
        return status

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # the reader stopped reading (`captable audit | head`): its choice, not a refusal
            _close_stdout()
            return 0


def _close_stdout() -> None:
    """Point standard output at the null device, so the interpreter's last flush to the closed pipe is quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _wants_json(argv: Sequence[str]) -> bool:
    return "--json" in argv or any(a.lower() == "--format=json" for a in argv) or any(
        a == "--format" and b.lower() == "json" for a, b in zip(argv, argv[1:]))


def _option_name(error: typer.BadParameter) -> str | None:
    if error.param is not None and error.param.opts:
        return max(error.param.opts, key=len)
    return error.param_hint if isinstance(error.param_hint, str) else None


def _usage_text(error: TyperException) -> str:
    context = getattr(error, "ctx", None)
    hint = f" (see: {context.command_path} --help)" if context is not None else ""
    return error.format_message() + hint  # type: ignore[attr-defined]


def _refuse(refusal: errors.Refused, as_json: bool) -> int:
    """Print a refusal (and the others reported with it): on standard error, and as JSON on standard output."""
    others = getattr(refusal, "others", [])
    if as_json:
        from captable.answers import error_body
        _print_json(error_body(refusal))
    for problem in [refusal, *others]:
        err.print(f"[red]refused[/red] {escape(printable(str(problem)))}", markup=True, highlight=False)
    return refusal.exit_status


app = typer.Typer(cls=_Guarded, add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="An event-sourced cap-table engine for warrants.")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# One grammar for every command: the same names, help and placeholders for the same things.
JSON = typer.Option(False, "--json", help="Print JSON (exact numbers as strings).")
AS_OF = typer.Option(None, "--as-of", metavar="INSTANT",
                     help="Effective instant: a date (the end of that day in the company's zone) or a date-time "
                          "with its offset (default: now).")
KNOWN_AT = typer.Option(None, "--known-at", metavar="INSTANT",
                        help="Recorded instant: what the books said then (default: now).")
ONLY_WARRANT = typer.Option(None, "--warrant", metavar="ID", help="Only this warrant (its id, as `state` lists it).")


def keyword(value: str, choices: Sequence[str], option: str) -> str:
    """A keyword option's value in any case (JSON, Json, json), or a usage error naming the choices."""
    chosen = value.strip().lower()
    if chosen not in choices:
        raise errors.BadOption(f"{option} is one of {', '.join(choices)}", field=option.lstrip("-"), value=value)
    return chosen


@dataclass
class Options:
    db: str
    company: str | None
    actor: str | None


@app.callback()
def options(
    ctx: typer.Context,
    db: str = typer.Option("./captable.db", "--db", envvar="CAPTABLE_DB", metavar="PATH|URL",
                           help="SQLite file, or a postgresql:// URL."),
    company: Optional[str] = typer.Option(None, "--company", metavar="ID",
                                          help="Company id (when the store holds several)."),
    actor: Optional[str] = typer.Option(None, "--actor", envvar="CAPTABLE_ACTOR", metavar="NAME",
                                        help="Who records: sealed with each event written (default: the "
                                             "operating system's user)."),
) -> None:
    ctx.obj = Options(db, company, actor)


def _print_json(body: Any) -> None:
    """Exact strings as JSON; an argument that is not valid text (a lone surrogate) is written escaped."""
    from captable.answers import json_text
    sys.stdout.write(json_text(body))


def _with_ledger(ctx: typer.Context, work: Callable[[Ledger], None], *, writes: bool = False) -> None:
    """Open the store (a read never creates one), do the work, close it."""
    from captable.ledger import Ledger

    ledger = Ledger(ctx.obj.db, read_only=not writes, actor=ctx.obj.actor)
    try:
        work(ledger)
    finally:
        ledger.close()


def _with_books(ctx: typer.Context, work: Callable[[Books], None]) -> None:
    """The library's books over the store (``captable.open``: a question never creates a store), the work,
    and the store released: the commands are clients of the library, as the service is."""
    from captable.api import Books

    with Books(ctx.obj.db, actor=ctx.obj.actor, company=ctx.obj.company) as books:
        work(books)


def _report(report: ImportReport | Stored, as_json: bool, *, ids: bool = False) -> None:
    """What was stored; with ``ids``, the ids given, so that a recorded fact can be cited or retracted."""
    if as_json:
        from captable.answers import stored_json
        from captable.results import Stored
        _print_json(report.body if isinstance(report, Stored) else stored_json(report, ids))
        return
    for company, count in report.stored.items():
        named = f" ({', '.join(report.ids)})" if ids else ""
        out.print(f"Stored {count} event{'s' if count != 1 else ''} for {company}{named}.", markup=False,
                  highlight=False)
    if report.already_stored:
        out.print(f"{report.already_stored} already stored (same id and content): skipped.")
    if not report.stored and not report.already_stored:
        out.print("Nothing to store.")


@app.command("import")
def import_(ctx: typer.Context,
            file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, metavar="FILE",
                                        help="JSON Lines: one event a line (see `captable events`)."),
            as_json: bool = JSON) -> None:
    """Import a JSON Lines history: every line is stored, or none is."""
    from captable import progress

    shown = progress.wanted(as_json)
    with progress.bar(f"Importing {file.name}", None, shown) as tick:
        # Read as it goes (captable.streamed_import): the first lines before the store is opened or created.
        _with_books(ctx, lambda books: _report(books.import_file(file, progress=tick), as_json))


RECORD_HELP = (
    "Record one event: one JSON object, as the argument or, with -, from standard input.\n\n"
    'Every event has a "type" and an "effective" date (YYYY-MM-DD: the start of that day in the company\'s '
    'time zone) or date-time with its offset. Exact numbers are strings ("8.93", "3/2").\n\n'
    'Without an "id" the event is a new fact each time, and the id it was given is printed; with an "id", '
    "the same content again stores nothing and other content under that id is refused.\n\n"
    "`captable events` lists the types, `captable events TYPE` shows a type's fields and an example, "
    "`--template TYPE` prints one to fill in, and docs/events.md has them all. A history of many events goes "
    "in with `captable import FILE`.\n\n"
    "Example: captable record '{\"type\": \"Listed\", \"effective\": \"1999-06-25\", \"class\": \"common\", "
    "\"exchange\": \"NASDAQ\"}'")


@app.command(help=RECORD_HELP)
def record(ctx: typer.Context,
           event: Optional[str] = typer.Argument(None, metavar="EVENT",
                                                 help="One event as a JSON object, quoted for the shell; "
                                                      "or - to read it from standard input."),
           template: Optional[str] = typer.Option(None, "--template", metavar="TYPE",
                                                  help="Print every field of TYPE as JSON to fill in (placeholders "
                                                       "in <…> must be replaced), and record nothing."),
           as_json: bool = JSON) -> None:
    """Record one event (DESIGN §5: ids make a repeated record a no-op); the help is RECORD_HELP."""
    if template is not None:
        from captable.events import describe
        if event is not None:
            raise errors.Usage("give an event to record or --template TYPE, not both")
        _print_json(describe.template(template))
        return
    if event is None:
        raise errors.Usage("give the event as a JSON object, - to read it from standard input, or --template "
                           "TYPE for one to fill in (see: captable record --help)")
    text = textfiles.read_text(sys.stdin.buffer, "standard input") if event == "-" else event
    # Parsed before the store is opened; without an id, a new fact every time.
    _with_books(ctx, lambda books: _report(books.record(text), as_json, ids=True))


@app.command()
def state(ctx: typer.Context, as_of: Optional[str] = AS_OF, known_at: Optional[str] = KNOWN_AT,
          warrant: Optional[str] = ONLY_WARRANT, as_json: bool = JSON,
          as_csv: bool = typer.Option(False, "--csv", help="Print CSV for a spreadsheet: a row per class, per "
                                      "holding and per warrant (the column row says which), exact values with "
                                      "a rounded <column>_decimal beside each fraction.")) -> None:
    """The warrant terms and the cap table at an instant."""
    if as_json and as_csv:
        raise errors.BadOption("--json and --csv each choose the output; give one of them", field="csv",
                               value="--json --csv")

    def work(books: Books) -> None:
        body = books.state(as_of, known_at, warrant=warrant).body
        if as_csv:
            from captable import exports
            sys.stdout.write(exports.state_csv(body))
            return
        if as_json:
            _print_json(body)
            return
        from captable import render
        render.state_tables(out, body)
    _with_books(ctx, work)


@app.command("exercise-quote")
def exercise_quote(ctx: typer.Context,
                   warrant: str = typer.Option(..., "--warrant", metavar="ID", help="The warrant to exercise."),
                   shares: str = typer.Option(..., "--shares", metavar="N|all",
                                              help="A whole number of units, or all (any case)."),
                   net: Optional[str] = typer.Option(None, "--net", metavar="METHOD",
                                                     help="Net exercise (§1(b)) priced by market, public_offering "
                                                          "or board (§1(c)); without it, a cash exercise."),
                   offering: Optional[str] = typer.Option(None, "--offering", metavar="ID",
                                                          help="The PublicOfferingPriced id, for --net "
                                                               "public_offering."),
                   as_of: Optional[str] = typer.Option(None, "--as-of", "--at", metavar="INSTANT",
                                                       help="The election instant (default: now); --at is the "
                                                            "same option."),
                   deliver_to: Optional[str] = typer.Option(None, "--deliver-to", metavar="NAME",
                                                            help="Deliver the shares to another name (§5: the "
                                                                 "holder then bears any issue tax)."),
                   as_json: bool = JSON) -> None:
    """What an exercise on an instant would deliver and cost, without recording it."""
    def work(books: Books) -> None:
        quote = books.exercise_quote(warrant, shares, as_of, net=net, offering=offering, deliver_to=deliver_to).body
        if as_json:
            _print_json(quote)
            return
        from captable import render
        render.quote_table(out, quote)
    _with_books(ctx, work)


@app.command()
def notices(ctx: typer.Context, as_of: Optional[str] = AS_OF, known_at: Optional[str] = KNOWN_AT,
            status: list[str] = typer.Option([], "--status", metavar="STATUS",
                                             help="open, met, late, overdue, waived or lapsed (repeat for "
                                                  "several)."),
            ics: Optional[Path] = typer.Option(None, "--ics", dir_okay=False, metavar="FILE",
                                               help="Also write an iCalendar file: each open or overdue deadline "
                                                    "and latest mailing day as an all-day event, each notice owed "
                                                    "promptly as a to-do."),
            remind_days: int = typer.Option(7, "--remind-days", min=0, metavar="DAYS",
                                            help="With --ics: a reminder this many days before each latest "
                                                 "mailing day, at 9:00 (0: no reminders)."),
            as_json: bool = JSON) -> None:
    """What the company owes the holder (§4.3, §4.5, §4.6, §18.7), by when, and whether it delivered (§12)."""
    def work(books: Books) -> None:
        body = books.notices(as_of, known_at, status=status).body
        if ics is not None:
            from captable import calendar_file
            from captable.instants import now  # DTSTAMP: the instant the file is written (RFC 5545 §3.8.7.2)
            ics.write_bytes(calendar_file.calendar_file(body, now(), remind_days))
        if as_json:
            _print_json(body)
            return
        from captable import render
        render.obligations_table(out, body)
    _with_books(ctx, work)


LETTER_FORMATS = ("markdown", "html")


@app.command("notice-letter")
def notice_letter(ctx: typer.Context,
                  obligation: str = typer.Argument(..., metavar="OBLIGATION", help="An obligation id from "
                                                                                   "`notices`."),
                  as_of: Optional[str] = typer.Option(None, "--as-of", "--date", metavar="DATE",
                                                      help="The letter's date, and the books as of then (default: "
                                                           "today); --date is the same option."),
                  fmt: str = typer.Option("markdown", "--format", metavar="FORMAT", help="markdown or html."),
                  as_json: bool = typer.Option(False, "--json", help="Print the letter's parts as JSON, for a "
                                                                     "program that lays out its own page.")) -> None:
    """Draft the §4.5 notice of adjustment or the §4.6 notice for an obligation."""
    from captable import documents

    chosen = keyword(fmt, LETTER_FORMATS, "--format")

    def work(books: Books) -> None:
        letter = books.letter(obligation, as_of)
        if as_json:
            _print_json(letter.to_json())
            return
        sys.stdout.write(documents.markdown(letter) if chosen == "markdown" else documents.html_page(letter))
    _with_books(ctx, work)


views_app = typer.Typer(no_args_is_help=True, help="Browsable read models (sqlite-utils, datasette).")
app.add_typer(views_app, name="views")


@views_app.command("build")
def views_build(ctx: typer.Context, target: Path = typer.Option(Path("views.db"), "--out", dir_okay=False,
                                                                metavar="FILE", help="The views' SQLite file."),
                rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild from scratch."),
                as_json: bool = JSON) -> None:
    """Materialise warrant terms, the cap table, obligations and audit steps; catch up with new events."""
    from captable import progress
    from projections import read_models

    def work(ledger: Ledger) -> None:
        with progress.bar("Building views", None, progress.wanted(as_json)):
            reports = read_models.build(ledger, str(target), rebuild)
        if as_json:
            _print_json({"out": str(target), "companies": [r.to_json() for r in reports]})
            return
        for r in reports:
            why = f" ({r.reason})" if r.reason else ""
            out.print(f"{r.company}: {r.mode}{why}; {r.events_applied} events applied; at stream position "
                      f"{r.position}; views in {target}")
    _with_ledger(ctx, work)


@views_app.command("export")
def views_export(ctx: typer.Context,
                 xlsx: Path = typer.Option(..., "--xlsx", dir_okay=False, metavar="FILE",
                                           help="The spreadsheet to write (.xlsx); an existing file is replaced."),
                 as_of: Optional[str] = AS_OF, known_at: Optional[str] = KNOWN_AT, as_json: bool = JSON) -> None:
    """Write the cap table, the warrant ledger (terms and every adjustment with its section) and the
    obligations to an XLSX workbook: exact values as text beside number cells, dates as dates."""
    from captable import exports, queries, workbook
    from captable.instants import now

    def work(ledger: Ledger) -> None:
        company = ctx.obj.company
        body = queries.state(ledger, company, as_of, known_at).to_json()
        trail = queries.audit(ledger, company, as_of, known_at)
        owed = queries.notices(ledger, company, as_of, known_at)
        tables = exports.tables(body, trail, owed)
        workbook.write(xlsx, tables, exports.about(body, trail, now().astimezone(ledger.history(
            body["company"]).zone)))
        sheets = {t.name: len(t.rows) for t in tables}
        if as_json:
            _print_json({"xlsx": str(xlsx), "company": body["company"], "as_of": body["as_of"], "sheets": sheets})
            return
        counts = ", ".join(f"{name} ({n} row{'s' if n != 1 else ''})" for name, n in sheets.items())
        out.print(f"{body['company']} as of {body['as_of']} written to {xlsx}: {counts}", markup=False,
                  highlight=False)
    _with_ledger(ctx, work)


quotes_app = typer.Typer(no_args_is_help=True, help="Closing market quotes (§1(c)(i)).")
app.add_typer(quotes_app, name="quotes")


@quotes_app.command("import")
def quotes_import(ctx: typer.Context,
                  file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, metavar="FILE",
                                              help="CSV with the columns date, bid, ask."),
                  class_id: str = typer.Option(..., "--class", metavar="CLASS",
                                               help="The share class quoted, e.g. common."),
                  effective: Optional[str] = typer.Option(None, "--effective", metavar="DATE",
                                                          help="Default: the last quoted day."),
                  event_id: Optional[str] = typer.Option(None, "--id", metavar="ID",
                                                         help="Default: quotes-CLASS-FIRST-LAST."),
                  as_json: bool = JSON) -> None:
    """Import a CSV of closing bid and asked prices as one MarketQuotes event."""
    from captable.intake import quotes_from_csv

    incoming = quotes_from_csv(textfiles.read_lines(file), class_id, f"Closing quotes imported from {file.name}",
                               effective, event_id)

    def work(ledger: Ledger) -> None:
        _report(ledger.import_events([incoming]), as_json)
    _with_ledger(ctx, work, writes=True)


ocf_app = typer.Typer(no_args_is_help=True, help="Open Cap Format packages (OCF v1.2.0).")
app.add_typer(ocf_app, name="ocf")


@ocf_app.command("import")
def ocf_import(ctx: typer.Context,
               path: Path = typer.Argument(..., exists=True, readable=True, metavar="PACKAGE",
                                           help="An OCF package: its manifest file, the folder holding it, or a "
                                                "zip of either."),
               timezone: Optional[str] = typer.Option(None, "--timezone", metavar="ZONE",
                                                      help="The issuer's IANA time zone, which OCF does not record "
                                                           "(default: from the issuer's address, else "
                                                           "America/Los_Angeles)."),
               as_json: bool = JSON) -> None:
    """Import an OCF package: every mapped object stored, or none; report what was mapped, kept and refused."""
    from captable.ocf.importing import prepare, report_text, store

    package, mapped = prepare(path, ctx.obj.company, timezone)

    def work(ledger: Ledger) -> None:
        body = store(ledger, package, mapped)
        if as_json:
            _print_json(body)
            return
        for line in report_text(body):
            out.print(line, markup=False, highlight=False)
    _with_ledger(ctx, work, writes=True)


@ocf_app.command("export")
def ocf_export(ctx: typer.Context,
               out_path: Path = typer.Argument(..., metavar="OUT",
                                               help="The package to write: a new (or empty) folder, or a .zip."),
               as_of: Optional[str] = AS_OF, known_at: Optional[str] = KNOWN_AT,
               company: Optional[str] = typer.Option(None, "--company", metavar="ID",
                                                     help="The company (default: the store's only one)."),
               as_json: bool = JSON) -> None:
    """Export the history up to an instant as an OCF v1.2.0 package; nothing is written on a refusal."""
    from captable.ocf.export import report_text

    def work(ledger: Ledger) -> None:
        from captable.answers import ocf_export as export

        body = export(ledger, company or ctx.obj.company, out_path, as_of, known_at)
        if as_json:
            _print_json(body)
            return
        for line in report_text(body):
            out.print(line, markup=False, highlight=False)
    _with_ledger(ctx, work)


@app.command()
def log(ctx: typer.Context, as_json: bool = JSON) -> None:
    """The stored events with their effective and recorded instants and chain hashes."""
    def work(books: Books) -> None:
        body = books.log().body
        if as_json:
            _print_json(body)
            return
        from captable import render
        render.log_table(out, body["events"])
    _with_books(ctx, work)


AUDIT_FORMATS = ("text", "json", "markdown", "html")


@app.command()
def audit(ctx: typer.Context, as_of: Optional[str] = AS_OF, known_at: Optional[str] = KNOWN_AT,
          warrant: Optional[str] = ONLY_WARRANT,
          fmt: Optional[str] = typer.Option(None, "--format", metavar="FORMAT",
                                            help="text (the default), json, markdown or html."),
          diff: Optional[tuple[str, str]] = typer.Option(None, "--diff", metavar="KNOWN_AT_1 KNOWN_AT_2",
                                                         help="What changed between two recorded instants."),
          as_json: bool = typer.Option(False, "--json", help="Print JSON: the same as --format json.")) -> None:
    """Replay the history step by step, each step citing the clause it applied."""
    from captable import audit_report, audit_stream, progress, queries

    chosen = keyword(fmt, AUDIT_FORMATS, "--format") if fmt is not None else "json" if as_json else "text"
    if as_json and chosen != "json":
        raise errors.BadOption(f"--json and --format {fmt} each choose the output; give one of them",
                               field="format", value=fmt)

    if diff:
        def compare(books: Books) -> None:
            changes = books.audit_diff(diff[0], diff[1], as_of)
            _print_json(changes) if chosen == "json" else sys.stdout.write(audit_report.diff_text(changes))
        _with_books(ctx, compare)
        return

    def work(ledger: Ledger) -> None:  # the replay is written as it goes: the library's Audit holds it whole
        if chosen in audit_stream.FORMATS:  # written step by step as the replay goes
            audit_stream.write(sys.stdout, ledger, ctx.obj.company, as_of, known_at, warrant, chosen)
            return
        with progress.bar("Replaying", None, progress.wanted(chosen == "json")) as tick:
            body = queries.audit(ledger, ctx.obj.company, as_of, known_at, warrant, tick)
        from captable import audit_html
        sys.stdout.write(audit_html.page(body))
    _with_ledger(ctx, work)


@app.command()
def verify(ctx: typer.Context,
           anchor: Optional[Path] = typer.Option(None, "--anchor", exists=True, dir_okay=False, metavar="FILE",
                                                 help="An anchor `captable head` wrote: also prove that the "
                                                      "store still extends it."),
           derived: bool = typer.Option(False, "--derived", help="Also fold each stored checkpoint again from "
                                                                 "the events and compare (a replay of the whole "
                                                                 "history; without it, their seals and order)."),
           as_json: bool = JSON) -> None:
    """Walk every chain of the store (the index of companies, each company's events and journal) and say what
    was checked; exit 1 (store_tampered) at the first break."""
    from captable import progress
    from captable.answers import verification

    def work(ledger: Ledger) -> None:
        with progress.bar("Verifying", None, progress.wanted(as_json)) as tick:
            found = verification(ledger, ctx.obj.company, anchor, tick, derived=derived)
        if as_json:
            _print_json(found.to_json())
            return
        for line in found.report.checked():
            out.print(line, highlight=False)
        if not found.report.intact:
            raise found.report.refusal()
        proved = found.prove()
        if proved:
            out.print(proved, highlight=False)
    _with_ledger(ctx, work)


@app.command()
def head(ctx: typer.Context,
         target: Optional[Path] = typer.Option(None, "--out", dir_okay=False, metavar="FILE",
                                               help="Write the anchor to this file (default: standard output)."),
         as_json: bool = typer.Option(False, "--json", help="With --out, say what was written as JSON (the "
                                                            "anchor itself is always JSON).")) -> None:
    """Write an anchor (company, event count, head hash, journal head, time) to keep elsewhere; `verify
    --anchor FILE` later proves the store still extends it, which catches truncation and rewrites."""
    from captable import verify as integrity

    def work(books: Books) -> None:
        kept = books.head()
        if target is None:
            _print_json(kept)
            return
        integrity.write_anchor(kept, target)
        if as_json:
            _print_json({"out": str(target), "anchor": kept})
            return
        out.print(f"anchor for {kept['company']}: {kept['events']} events, head {kept['head']}; written to {target}. "
                  "Keep it away from the store.")
    _with_books(ctx, work)


@app.command()
def demo(as_json: bool = JSON) -> None:
    """The Juniper warrant of 1997, end to end, in a temporary store."""
    from captable import demo as demo_module

    ok = demo_module.run(out, as_json)
    if not ok:
        raise typer.Exit(1)


# The event reference (docs/events.md), generated from the models: the command line teaches its own input.

@app.command("events")
def events_(type_name: Optional[str] = typer.Argument(None, metavar="TYPE",
                                                      help="An event type, e.g. WarrantIssued (any case)."),
            as_json: bool = JSON) -> None:
    """The event types, one a line; with TYPE, its fields (type, required, meaning) and an example."""
    from captable import reference
    from captable.events import describe
    if type_name is None:
        _print_json(reference.index_json()) if as_json else reference.print_index(out)
        return
    doc = describe.describe(type_name)
    _print_json(doc.to_json()) if as_json else reference.print_type(out, doc)


@app.command("forms")
def forms_(name: Optional[str] = typer.Argument(None, metavar="NAME", help="A form of warrant, e.g. warrant_1997."),
           as_json: bool = JSON) -> None:
    """The forms of warrant, one a line with its source; with NAME, its parameters and the clauses they quote."""
    from captable.forms import describe as forms_describe
    if name is None:
        _print_json(forms_describe.listing()) if as_json else forms_describe.print_listing(out)
        return
    _print_json(forms_describe.detail(name)) if as_json else forms_describe.print_detail(out, name)


@app.command("schema")
def schema(type_name: Optional[str] = typer.Argument(None, metavar="TYPE",
                                                     help="An event type; without it, any event (the union of "
                                                          "all types, selected by \"type\")."),
           as_json: bool = typer.Option(False, "--json", help="Accepted for uniformity: the schema is JSON.")
           ) -> None:
    """JSON Schema of an event type, or of any event: exact numbers as strings (or integers)."""
    from captable.events import describe
    _print_json(describe.schema(type_name))


@app.command()
def serve(ctx: typer.Context,
          host: str = typer.Option("127.0.0.1", "--host", metavar="ADDRESS", help="The address to listen on."),
          port: int = typer.Option(8000, "--port", min=0, max=65535, metavar="PORT", help="The port to listen on."),
          tokens: Optional[Path] = typer.Option(None, "--tokens", dir_okay=False, metavar="FILE",
                                                help="Hashed bearer tokens, NAME:ROLE:SHA256 a line (roles reader, "
                                                     "auditor, writer); default CAPTABLE_TOKENS_FILE, else "
                                                     "CAPTABLE_TOKENS. Without any, only this machine is served."),
          max_body: int = typer.Option(64 * 1024 * 1024, "--max-body", min=1, metavar="BYTES",
                                       help="The largest request body accepted (an import's JSON Lines)."),
          rate_limit: int = typer.Option(DEFAULT_PER_SECOND, "--rate-limit", min=0, metavar="N",
                                         envvar="CAPTABLE_RATE_LIMIT",
                                         help="Requests a second each caller (a token's name, else a client "
                                              "address) may send, sustained; more are refused with 429 and "
                                              "Retry-After. 0: no limit (a load test)."),
          burst: Optional[int] = typer.Option(None, "--burst", min=1, metavar="N", envvar="CAPTABLE_RATE_BURST",
                                              help="Requests a caller may send at once before the rate applies; "
                                                   "default twice --rate-limit."),
          as_json: bool = typer.Option(False, "--json", help="Print a refusal to start as JSON (the service "
                                                             "answers in JSON whatever this says).")) -> None:
    """Answer the same questions over HTTP (OpenAPI at /openapi.json), and record events with a writer token."""
    from captable import access

    loaded = access.load_tokens(tokens)
    if not loaded.configured and host not in ("127.0.0.1", "localhost", "::1"):
        raise errors.BadOption("without tokens the service answers anyone: give --tokens to listen beyond this "
                               "machine", field="host", value=host)
    import uvicorn

    from captable.rate_limits import rate
    from captable.service import create_app
    uvicorn.run(create_app(ctx.obj.db, loaded, company=ctx.obj.company, max_body=max_body,
                           limits=rate(rate_limit, burst)), host=host, port=port, log_level="info")


def main() -> None:
    # The command line validates with pydantic but uses no pydantic plugin; looking for one scans every
    # installed package's metadata, a tenth of a start-up. A library user's process is left as it is.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app()
