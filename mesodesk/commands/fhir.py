"""``mesodesk fhir FILE -o OUT.json``: the consultation as a FHIR R4 Bundle.

Exit 0 when written; 1 when safety findings are unresolved (nothing is
written, as for ``export``); 2 when the input is invalid or the output cannot
be written.
"""

from __future__ import annotations

import argparse

from mesodesk.commands.common import checked_for_output, fail


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="consultation file (mesodesk-consultation JSON)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.json",
                        help="where to write the FHIR Bundle (JSON)")



def run(args: argparse.Namespace) -> int:
    prepared = checked_for_output(args.file, args.output, "Bundle")
    if isinstance(prepared, int):
        return prepared
    session, output = prepared
    consultation, catalogue = session.consultation(), session.catalogue
    assert consultation is not None   # loaded and checked above
    from mesodesk.fhir.bundle import write_bundle

    try:
        bundle = write_bundle(output, consultation, catalogue)
    except OSError as exc:
        return fail(f"{output}: cannot be written ({exc.strerror or exc})")
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    print(f"Wrote {output}: a FHIR R4 Bundle of {len(kinds)} resources "
          f"(Consent {bundle['entry'][kinds.index('Consent')]['resource']['status']}).")
    return 0
