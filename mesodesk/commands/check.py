"""``mesodesk check FILE [--json]``: print the safety findings."""

from __future__ import annotations

import json
import sys

from mesodesk.commands.common import InvalidInput, fail, load_checked
from mesodesk.rules import evaluate, sort_findings


def add_arguments(parser) -> None:
    parser.add_argument("file", help="consultation file (mesodesk-consultation/1 JSON)")
    parser.add_argument("--json", action="store_true", help="print findings as JSON")


def run(args) -> int:
    try:
        consultation, catalogue = load_checked(args.file)
    except InvalidInput as exc:
        return fail(str(exc))
    findings = sort_findings(evaluate(consultation, catalogue))
    blocked = any(f.severity == "block" for f in findings)
    if args.json:
        json.dump({"blocked": blocked, "findings": [f.to_json() for f in findings]},
                  sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        if not findings:
            print("No findings: nothing blocks this plan.")
        for f in findings:
            kind = {"block": "BLOCK" if f.overridable else "BLOCK (absolute)",
                    "warn": "WARN", "info": "INFO"}[f.severity]
            print(f"{kind:17} {f.rule}: {f.message} [{', '.join(f.source)}]")
        if blocked:
            print("Blocked: resolve the blocks above before treating.")
    return 1 if blocked else 0
