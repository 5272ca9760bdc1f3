"""The command line: the same operations as the window, without one.

    mesodesk                          open the window
    mesodesk FILE                     open a consultation file in the window
    mesodesk check FILE [--json]      print findings; exit 0 ok, 1 blocked, 2 invalid input
    mesodesk export FILE -o OUT.pdf   build the pack; exit 1 if blocked, 2 invalid input
    mesodesk verify PACK.pdf          exit 0 proved unaltered, 1 altered, 2 no pack, 3 cannot prove

Any other first argument must be an existing file, else it is an error (exit 2,
naming the commands): a mistyped or newer command never opens the window.

Each command lives in ``mesodesk/commands/<name>.py`` with ``add_arguments``
and ``run``; it is imported only when used, so ``mesodesk check`` never loads
Qt and the window never loads reportlab before it needs it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

COMMANDS = {
    "check": "print the safety findings for a consultation file",
    "export": "build the PDF consent and information pack",
    "verify": "check that a pack is unaltered",
    "audit": "check the audit trail (mesodesk audit verify)",
    "backup": "copy the records database to a file",
    "restore": "replace the records database with a backup",
    "fhir": "write a consultation as a FHIR R4 Bundle (JSON)",
    "import": "store signed consultation files as signed records",
    "recall": "list every patient and consultation that received a lot",
}
MODULES = {"import": "import_"}  # a command whose module name is not the command's

# An internal error is 70 (sysexits' EX_SOFTWARE): 3 means "cannot prove" to verify.
EXIT_OK, EXIT_BLOCKED, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 70


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, never a usage dump
        self.exit(EXIT_INVALID, f"mesodesk: {message} (see 'mesodesk --help')\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mesodesk", description="Mesotherapy consultation aid.",
                     epilog="With no command, opens the window (optionally on FILE).")
    from mesodesk import __version__

    parser.add_argument("--version", action="version", version=f"mesodesk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f"mesodesk.commands.{MODULES.get(name, name)}")
        p = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="mesodesk: %(message)s")
    try:
        if argv and argv[0] in COMMANDS:
            module = importlib.import_module(f"mesodesk.commands.{MODULES.get(argv[0], argv[0])}")
            parser = _Parser(prog=f"mesodesk {argv[0]}", description=COMMANDS[argv[0]])
            module.add_arguments(parser)
            try:
                args = parser.parse_args(argv[1:])
            except SystemExit as exc:  # --help, or a usage error already printed
                return int(exc.code or 0)
            return int(module.run(args))
        if argv and argv[0] in ("-h", "--help", "--version"):
            try:
                _parser().parse_args(argv)
            except SystemExit as exc:
                return int(exc.code or 0)
            return EXIT_OK
        window = _Parser(prog="mesodesk", description="Open the consultation window.")
        window.add_argument("file", nargs="?", help="a consultation file to open")
        try:
            args, qt_args = window.parse_known_args(argv)
        except SystemExit as exc:
            return int(exc.code or 0)
        if args.file is not None and not _is_file(args.file):
            known = ", ".join(COMMANDS)
            print(f"mesodesk: {args.file!r} is neither a command nor an existing file; "
                  f"the commands are: {known} (see 'mesodesk --help')", file=sys.stderr)
            return EXIT_INVALID
        from mesodesk.ui.app import run_app

        return int(run_app(args.file, qt_args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # never a traceback for the user
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        print(f"mesodesk: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL


def _is_file(name: str) -> bool:
    try:
        return os.path.isfile(name)
    except (OSError, ValueError):  # a null byte, a name too long
        return False


if __name__ == "__main__":
    raise SystemExit(main())
