"""Usage errors (unknown option or command, missing argument, bad value) as one line on stderr, exit 2."""

from __future__ import annotations

import sys
from typing import Any, Sequence

from typer._click import core as _core
from typer._click import exceptions as click
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import Abort

from splitter.errors import SplitterError
from splitter.reports.escape import visible


# options people carry over from another command, where click's spelling match would point elsewhere
# (`update --force` -> --format): (command, option) -> the hint
_MEANT = {
    ("update", "--force"): "did you mean --discard-edits? it updates the tree even where it holds edits in neither "
                           "the monolith nor git, undoing them",
    ("merge", "--force"): "did you mean --discard-edits? with -o it replaces the monolith even where it holds edits "
                          "in neither the tree nor git",
    ("tidy", "--force"): "tidy needs none: it writes only changes proven to keep the merge; --dry-run shows them",
}


def one_line(error: click.UsageError) -> str:
    """`splitter: COMMAND: what is wrong (hint)` for a click UsageError raised while parsing the command line.

    Takes the error as click raises it (with .ctx of the command that was parsing); returns the line without a
    newline. The hint is click's own "did you mean" for an unknown option or command, else where the help is.
    """
    ctx, names = error.ctx, []
    while ctx is not None and ctx.parent is not None:  # the subcommand's name; the program is always splitter
        names.insert(0, ctx.info_name)
        ctx = ctx.parent
    ctx = error.ctx
    command = " ".join(["splitter", *names])
    where = " ".join(names) + ": " if names else ""
    hint = f"see {command} --help"
    if isinstance(error, click.NoSuchOption):
        message = f"no such option {error.option_name}"
        meant = _MEANT.get((" ".join(names), error.option_name))
        if meant:
            hint = meant
        elif error.possibilities:
            hint = "did you mean " + " or ".join(sorted(error.possibilities)) + "?"
    elif isinstance(error, click.MissingParameter) and error.param is not None:
        kind = error.param.param_type_name  # "argument" or "option"
        name = error.param.make_metavar(ctx) if kind == "argument" else error.param.opts[0]
        message = f"missing {kind} {name.strip('[]')}"
    else:
        message = error.format_message().strip().rstrip(".")
        message = message[:1].lower() + message[1:]
    return f"splitter: {where}{message} ({hint})".replace("\n", " ")


class OneLineUsageErrors(TyperGroup):
    """The app's group: click's usage block (usage line, a "Try" line and "Error: ...") becomes one line.

    click's documented way to handle errors yourself is `main(standalone_mode=False)`: it then raises
    ClickException instead of printing it, and returns an `Exit`'s code (click docs, "Exception Handling").
    Both the console script (Typer.__call__) and typer.testing.CliRunner call this main.
    """

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        from splitter.cli.output import telling_finished_writes

        with telling_finished_writes():
            self._main(args, prog_name, complete_var, **extra)

    def _main(self, args: Sequence[str] | None, prog_name: str | None, complete_var: str | None,
              **extra: Any) -> Any:
        """main's body: the command run with click's errors as one line each; ends the process (sys.exit)."""
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.NoArgsIsHelpError as error:  # `splitter` alone: the help, as before
            error.show()
            sys.exit(error.exit_code)
        except click.UsageError as error:
            print(visible(one_line(error)), file=sys.stderr)
            sys.exit(2)
        except click.ClickException as error:
            print(visible(f"splitter: {error.format_message()}".replace("\n", " ")), file=sys.stderr)
            sys.exit(error.exit_code)
        except Abort:  # Typer's own (typer.exceptions), raised on EOF at a prompt
            print("splitter: aborted", file=sys.stderr)
            sys.exit(1)
        except SplitterError as error:  # raised after a command's own handling, e.g. writing its result
            print(visible(f"splitter: {error}"), file=sys.stderr)
            sys.exit(error.exit_code)
        except OSError as error:  # a last net: an OS error no command turned into BadInput is still one line
            from splitter.cli.output import os_error_line

            print(os_error_line(error), file=sys.stderr)
            sys.exit(2)
        sys.exit(code if isinstance(code, int) else 0)


class PlainUsage(TyperCommand):
    """A command whose usage line writes arguments as README does (`show DIR CTID`), not Typer's `{DIR} {CTID}`.

    Typer wraps every required argument's metavar in braces in the usage line (typer.core.TyperArgument
    .make_metavar); an optional one keeps its brackets.
    """

    def collect_usage_pieces(self, ctx: _core.Context) -> list[str]:
        return [piece[1:-1] if piece.startswith("{") and piece.endswith("}") else piece
                for piece in super().collect_usage_pieces(ctx)]
