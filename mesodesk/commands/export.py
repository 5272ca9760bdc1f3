"""``mesodesk export FILE -o OUT.pdf [--paper a4|letter]``: build the pack.

Exit 0 when written; 1 when safety findings are unresolved (nothing is
written); 2 when the input is invalid or the output cannot be written.
"""

from __future__ import annotations

import argparse
import logging

from mesodesk.commands.common import checked_for_output, fail
from mesodesk.session import SessionError

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="consultation file (mesodesk-consultation JSON, /1 or /2)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.pdf",
                        help="where to write the pack")
    parser.add_argument("--paper", choices=("a4", "letter"), default="a4",
                        help="page size (default: a4)")


def run(args: argparse.Namespace) -> int:
    prepared = checked_for_output(args.file, args.output, "pack")
    if isinstance(prepared, int):
        return prepared
    session, output = prepared
    from mesodesk.pack import PackError

    try:
        pdf = session.export(output, paper=args.paper)
    except (PackError, SessionError) as exc:
        return fail(f"{args.file}: {exc}")
    except OSError as exc:
        return fail(f"{output}: cannot be written ({exc.strerror or exc})")
    log.debug("pack written (%d bytes)", len(pdf))
    print(f"Wrote {output} ({len(pdf) // 1024} KB).")
    return 0
