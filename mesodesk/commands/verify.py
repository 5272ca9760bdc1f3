"""``mesodesk verify PACK.pdf``: is the pack exactly what its embedded
consultation makes? Exit 0 if so, 1 if it was altered, 2 if it is no pack."""

from __future__ import annotations

import argparse
from pathlib import Path

from mesodesk.catalogue import CatalogueError, default_catalogue
from mesodesk.commands.common import fail

MAX_PACK_BYTES = 200 * 1024 * 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pack", metavar="PACK.pdf", help="a pack made by 'mesodesk export'")


def run(args: argparse.Namespace) -> int:
    path = Path(args.pack)
    try:
        if path.is_dir():
            return fail(f"{path}: is a folder, not a pack")
        with path.open("rb") as fh:
            data = fh.read(MAX_PACK_BYTES + 1)
    except FileNotFoundError:
        return fail(f"{path}: no such file")
    except OSError as exc:
        return fail(f"{path}: cannot be read ({exc.strerror or exc})")
    if len(data) > MAX_PACK_BYTES:
        return fail(f"{path}: is larger than 200 MB, not a pack")
    try:
        catalogue = default_catalogue()
    except CatalogueError as exc:
        return fail(str(exc))
    from mesodesk.pack import NotAPack, verify_pack

    try:
        result = verify_pack(data, catalogue)
    except NotAPack as exc:
        return fail(f"{path}: {exc}")
    if result.ok:
        print(f"{path}: unaltered. Its {result.pages} pages are exactly the pack made from "
              f"the consultation it embeds (fingerprint {result.fingerprint}).")
        return 0
    return fail(f"{path}: altered: " + "; ".join(result.problems) + ".", 1)
