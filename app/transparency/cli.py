"""`flask privacy scrub`: replace personal data in free text with placeholders, one document or a JSONL batch."""
import json

import click
from flask.cli import AppGroup

from app.transparency import privacy

privacy_cli = AppGroup("privacy", help="Find and remove personal data in free text.")


@privacy_cli.command("scrub")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"), default="-")
@click.option("--jsonl", is_flag=True,
              help='Read one {"text": ...} object per line and write {"text", "found"} per line, in order.')
def scrub(file, jsonl):
    """Print FILE (standard input when omitted) with personal data replaced by placeholders such as [手机号]."""
    privacy.load()
    if not jsonl:
        text = privacy.scrub(file.read()).text
        click.echo(text, nl=not text.endswith("\n"))
        return
    for number, line in enumerate(file, start=1):
        if line.strip():
            text, known = _record(line, number)
            click.echo(json.dumps(_result(privacy.scrub(text, known)), ensure_ascii=False))


def _record(line, number):
    """Read one JSONL record: {"text": str, "known": [str | [type, value], ...] (optional)}."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"line {number}: not JSON ({exc.msg})") from None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise click.ClickException(f'line {number}: expected an object with a "text" string')
    known = record.get("known") or []
    pairs = [item for item in known if isinstance(item, list)] if isinstance(known, list) else None
    if pairs is None or not all(isinstance(item, str) or len(item) == 2 and all(isinstance(v, str) for v in item)
                                for item in known):
        raise click.ClickException(f'line {number}: "known" must be a list of strings or [type, value] pairs')
    known = [tuple(item) if isinstance(item, list) else item for item in known]
    if any(kind not in privacy.TYPES for kind, _ in (item for item in known if isinstance(item, tuple))):
        raise click.ClickException(f'line {number}: a "known" type must be one of {", ".join(privacy.TYPES)}')
    return record["text"], known


def _result(scrubbed):
    return {"text": scrubbed.text,
            "found": [{"type": f.type, "start": f.start, "end": f.end} for f in scrubbed.found]}
