"""`sincere score`: one contract result per input record (JSONL, one .eml, --text or stdin), as JSON
lines or the readable terminal view."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from detector.cli.shared import EXIT_OK, EXIT_SOME_ERRORS, RULES_HELP, fail, load_detector, load_sender_rules
from detector.models.selection import MODEL_ENV

MAILBOX_SUFFIXES = frozenset({".mbox", ".mbx", ".mbs"})
HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:[ \t]")


def _records(stack: ExitStack, source: str | None, text: str | None, channel: str,
             recipient: str | None) -> Iterable[Any]:
    from detector.reading import eml_record, iter_jsonl

    if text is not None:
        record: dict[str, Any] = {"id": "text", "channel": channel, "body": text}
        if recipient:
            record["recipient"] = {"name": recipient, "first_name": recipient.split()[0]}
        return [record]
    if source in (None, "-"):
        return iter_jsonl(sys.stdin.buffer, "stdin")
    path = Path(source)
    if path.is_dir():
        fail(f"{path} is a folder; to score a mailbox (Maildir, a folder of .eml) use "
             f"`sincere scan {path} --out results.parquet`")
    if not path.is_file():
        fail(f"{path}: no such file")
    with path.open("rb") as fh:
        first = fh.readline(4096)
    if path.suffix.lower() in MAILBOX_SUFFIXES or first.startswith(b"From "):
        fail(f"{path} is an mbox mailbox; `sincere score` reads JSONL or one .eml: use "
             f"`sincere scan {path} --out results.parquet`")
    if path.suffix.lower() == ".msg":
        fail(f"{path} is an Outlook .msg file: convert it first with `msgconvert` "
             "(Debian libemail-outlook-message-perl), then score the .eml")
    if path.suffix.lower() == ".eml" or HEADER_LINE.match(first):
        return [eml_record(path)]  # one message, also without the .eml name
    return iter_jsonl(stack.enter_context(path.open("rb")), str(path))


def score(
    source: Annotated[str | None, typer.Argument(
        help="JSONL file of contract records, one .eml message, or - for stdin (a mailbox: `sincere scan`).")] = None,
    text: Annotated[str | None, typer.Option("--text", help="Score this text instead of a file.")] = None,
    channel: Annotated[str, typer.Option(help="Channel for --text.")] = "email",
    recipient: Annotated[str | None, typer.Option(help="Your name, for --text.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write JSONL here instead of stdout.")] = None,
    model: Annotated[Path | None, typer.Option(
        help=f"Model bundle folder (default: ${MODEL_ENV}, else `sincere models use`, else the shipped one).")] = None,
    pretty: Annotated[bool | None, typer.Option("--pretty/--jsonl", help="Readable view (default on a terminal).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes that parse and run the model (use the cores of a big input).")] = 1,
    rules: Annotated[Path | None, typer.Option("--rules", help=RULES_HELP)] = None,
) -> None:
    """Score messages; one contract result per input record, in order.

    Exit status: 0 when every record was scored, 1 when some records were errors
    (their results say why), 2 when the input or model could not be opened, 3 when the tool failed.
    """
    sender_rules = load_sender_rules(rules)
    detector = load_detector(model)
    errors = 0
    with ExitStack() as stack:
        sink = stack.enter_context(out.open("w", encoding="utf-8")) if out else sys.stdout
        readable = pretty if pretty is not None else (out is None and sys.stdout.isatty())
        view = None
        if readable:
            from detector.cli.view import ResultView

            view = ResultView(threshold=detector.bundle.policy.threshold)
        records = _records(stack, source, text, channel, recipient)
        for result in detector.score_many(records, workers=workers, sender_rules=sender_rules):
            errors += result["verdict"] == "error"
            if view is not None:
                view.show(result)
            else:
                sink.write(json.dumps(result, ensure_ascii=False) + "\n")
        if view is not None:
            view.summary()
    raise typer.Exit(EXIT_SOME_ERRORS if errors else EXIT_OK)


