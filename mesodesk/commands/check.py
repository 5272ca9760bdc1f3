"""``mesodesk check FILE [--json]``: print the safety findings.

Exit 0 when nothing blocks (warnings are printed), 1 when a block is not
released (an absolute block, or an overridable one without a written
override in the file), 2 when the file cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys

from mesodesk.commands.common import InvalidInput, fail, finding_line, load_checked
from mesodesk.session import ConsultationSession

EXIT_OK, EXIT_BLOCKED = 0, 1



def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="consultation file (mesodesk-consultation JSON, /1 or /2)")
    parser.add_argument("--json", action="store_true", help="print findings as JSON")


def run(args: argparse.Namespace) -> int:
    try:
        consultation, catalogue = load_checked(args.file)
    except InvalidInput as exc:
        return fail(str(exc))
    check = ConsultationSession.from_consultation(catalogue, consultation).check()
    findings, consent = check.findings, check.consent
    stopping, open_warnings, blocked = check.stopping, check.open_warnings, check.blocked
    if args.json:
        json.dump({"blocked": blocked,
                   "findings": [{**f.to_json(), "resolved": f.resolved_by(consent),
                                 "status": check.resolution(f)} for f in findings]},
                  sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return EXIT_BLOCKED if blocked else EXIT_OK
    if not findings:
        print("No findings: nothing blocks this plan.")
    for f in findings:
        print(finding_line(f, check))
        print(f"      {f.message} [{', '.join(f.source)}]")
    if blocked:
        print(f"Blocked: {len(stopping)} block(s) must be resolved before treating.")
    elif open_warnings:
        print(f"Not blocked; {len(open_warnings)} warning(s) to acknowledge before the pack "
              "is printed.")
    elif findings:
        print("Not blocked: every finding is resolved.")
    return EXIT_BLOCKED if blocked else EXIT_OK
