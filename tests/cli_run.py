"""Run the ``mediacenter`` command in-process, as the CLI tests do."""

from __future__ import annotations

from mediacenter import cli


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``mediacenter ARGV`` in-process: (exit status, stdout, stderr)."""
    try:
        rc = cli.main(list(argv))
    except SystemExit as exc:  # argparse: --help, usage errors
        rc = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return rc, out, err
