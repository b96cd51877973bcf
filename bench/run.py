"""`make bench`: measure each section (search, pages, scale, load…) and write docs/benchmarks.md.

Every section measures the bare Flask hello-world itself, in the same run as its own rows, and reports ratios
to it. `--sections a,b` runs only those and replaces just their part of the existing report.
"""
import argparse
import atexit
import importlib
import shutil
import tempfile
import time
from pathlib import Path

from bench import report

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("search", "pages", "scale", "load")


def available_sections():
    """The sections whose module exists in this checkout, in report order."""
    return [name for name in SECTIONS if (ROOT / "bench" / f"{name}.py").exists()]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default=",".join(available_sections()),
                        help=f"comma-separated sections to run (default: all of {', '.join(available_sections())})")
    parser.add_argument("--articles", type=int, default=5000, help="size of the generated search corpus")
    parser.add_argument("--rounds", type=int, default=10, help="in-process rounds over the query list")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per HTTP measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    args.sections = [name.strip() for name in args.sections.split(",") if name.strip()]
    unknown = set(args.sections) - set(available_sections())
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    return args


def main(argv=None):
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="kameng-bench-"))
    servers = []

    def cleanup():
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    atexit.register(cleanup)
    try:
        rendered = {}
        for name in args.sections:
            section = importlib.import_module(f"bench.{name}")
            started = time.perf_counter()
            print(f"== section {name}", flush=True)
            (tmp / name).mkdir()
            result = section.measure(args, tmp / name, servers)
            rendered[name] = (section.render(result), time.perf_counter() - started)
            for server in servers:
                server.stop()
            servers.clear()
        report.write(rendered, args.output)
    finally:
        cleanup()
        atexit.unregister(cleanup)


if __name__ == "__main__":
    main()
