"""``mesodesk fhir FILE -o OUT.json``: the consultation as a FHIR R4 Bundle.

Exit 0 when written; 1 when safety findings are unresolved (nothing is
written, as for ``export``); 2 when the input is invalid or the output cannot
be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mesodesk.commands.common import InvalidInput, fail, load_checked, output_problem
from mesodesk.rules import evaluate, unresolved


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="consultation file (mesodesk-consultation JSON)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.json",
                        help="where to write the FHIR Bundle (JSON)")



def run(args: argparse.Namespace) -> int:
    try:
        consultation, catalogue = load_checked(args.file)
    except InvalidInput as exc:
        return fail(str(exc))
    output = Path(args.output)
    problem = output_problem(output, Path(args.file), "Bundle")
    if problem:
        return fail(problem)
    open_findings = unresolved(evaluate(consultation, catalogue), consultation.consent)
    if open_findings:
        rules = ", ".join(f.rule for f in open_findings)
        print(f"mesodesk: not exported: {len(open_findings)} safety finding"
              f"{'s are' if len(open_findings) > 1 else ' is'} unresolved ({rules}); "
              "'mesodesk check' says how to resolve them.", file=sys.stderr)
        return 1
    from mesodesk.fhir.bundle import write_bundle

    try:
        bundle = write_bundle(output, consultation, catalogue)
    except OSError as exc:
        return fail(f"{output}: cannot be written ({exc.strerror or exc})")
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    print(f"Wrote {output}: a FHIR R4 Bundle of {len(kinds)} resources "
          f"(Consent {bundle['entry'][kinds.index('Consent')]['resource']['status']}).")
    return 0
