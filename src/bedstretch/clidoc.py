"""Generate the CLI reference (docs/cli.md) from the commands themselves.

``python -m bedstretch.clidoc`` prints it; ``--check FILE`` exits 1 when FILE is out of date.
"""

from __future__ import annotations

import sys

import click

from bedstretch.cli import cli


def _section(command: click.Command, path: str, level: int) -> list[str]:
    ctx = click.Context(
        command,
        info_name=path,
        terminal_width=100,
        max_content_width=100,
        help_option_names=["-h", "--help"],
    )
    lines = [f"{'#' * level} `{path}`", "", "```", command.get_help(ctx).rstrip(), "```", ""]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                lines += _section(sub, f"{path} {name}", level + 1)
    return lines


def render() -> str:
    header = [
        "# CLI reference",
        "",
        "Generated from the commands by `make docs` (`python -m bedstretch.clidoc`); `make test`",
        "fails when this file is out of date. Every error is one line on standard error naming the",
        "argument, option, file or field at fault, with exit status 2.",
        "",
    ]
    return "\n".join(header + _section(cli, "bedstretch", 2)).rstrip() + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if len(argv) == 2 and argv[0] == "--check":
        try:
            with open(argv[1], encoding="utf-8") as handle:
                current = handle.read()
        except OSError:
            current = ""
        if current != text:
            print(f"{argv[1]} is out of date: run `make docs`", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
