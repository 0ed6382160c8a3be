"""``sentinel test``: conftest's ``test`` command."""

from __future__ import annotations

import shutil
import subprocess
import sys

import click

from sentinel import outputs, parsers
from sentinel.cli.options import config_option
from sentinel.errors import PolicyError, UsageError
from sentinel.outputs.base import OutputOptions
from sentinel.runner.evaluate import DEFAULT_MAX_INPUT_BYTES, TestOptions, discover_inputs, run_tests
from sentinel.runner.results import CheckResult, exit_code


def policy_options(func: click.decorators.FC) -> click.decorators.FC:
    """Options shared by test, verify and check."""
    decorators = [
        click.option(
            "-p",
            "--policy",
            multiple=True,
            default=("policy",),
            show_default=True,
            envvar="SENTINEL_POLICY",
            help="Path to Rego policies (file or folder; repeatable).",
        ),
        click.option(
            "-d",
            "--data",
            multiple=True,
            envvar="SENTINEL_DATA",
            help="Data files or folders (.json, .yaml, .yml) loaded as data.* (repeatable).",
        ),
        click.option(
            "--rego-version",
            type=click.Choice(["v0", "v1"]),
            default="v1",
            show_default=True,
            envvar="SENTINEL_REGO_VERSION",
            help="Rego syntax of the policies.",
        ),
        click.option("--no-color", is_flag=True, envvar="SENTINEL_NO_COLOR", help="Disable colored output."),
        click.option(
            "-o",
            "--output",
            default="stdout",
            show_default=True,
            envvar="SENTINEL_OUTPUT",
            help=f"Output format: {', '.join(outputs.names())}.",
        ),
        click.option(
            "--strict",
            is_flag=True,
            envvar="SENTINEL_STRICT",
            help="Strict compile checks (needs the opa binary on PATH).",
        ),
        click.option(
            "--trace",
            is_flag=True,
            envvar="SENTINEL_TRACE",
            help="Evaluation trace (not available with the embedded engine; errors out).",
        ),
        config_option,
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def check_engine_flags(policy: tuple[str, ...], strict: bool, trace: bool) -> None:
    """--strict and --trace exist in conftest; say clearly what the embedded engine can do."""
    if trace:
        raise UsageError(
            "--trace is not supported by the embedded regorus engine; use print() in policies "
            "and `sentinel verify --report notes`"
        )
    if strict:
        opa = shutil.which("opa")
        if opa is None:
            raise UsageError("--strict needs the opa binary on PATH (regorus has no strict mode)")
        proc = subprocess.run(
            [opa, "check", "--strict", *policy], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise PolicyError(f"strict check failed:\n{proc.stdout}{proc.stderr}".rstrip())


def emit(results: list[CheckResult], output: str, options: OutputOptions) -> None:
    text = outputs.get_outputter(output).render(results, options)
    if text:
        click.echo(text, nl=not text.endswith("\n"))


@click.command("test")
@click.argument("files", nargs=-1, required=True)
@policy_options
@click.option(
    "-n",
    "--namespace",
    multiple=True,
    default=("main",),
    show_default=True,
    envvar="SENTINEL_NAMESPACE",
    help="Namespace to test; glob patterns allowed (repeatable).",
)
@click.option(
    "--all-namespaces", is_flag=True, envvar="SENTINEL_ALL_NAMESPACES", help="Test every namespace."
)
@click.option(
    "--combine",
    is_flag=True,
    envvar="SENTINEL_COMBINE",
    help="Combine all inputs into one document: [{path, contents}].",
)
@click.option("--fail-on-warn", is_flag=True, envvar="SENTINEL_FAIL_ON_WARN", help="Exit 1 on warnings too.")
@click.option("--no-fail", is_flag=True, envvar="SENTINEL_NO_FAIL", help="Exit 0 even with failures.")
@click.option("--parser", default=None, envvar="SENTINEL_PARSER", help="Parse every input with this parser.")
@click.option(
    "--ignore",
    default=None,
    envvar="SENTINEL_IGNORE",
    help="Regular expression of paths to skip when walking folders.",
)
@click.option(
    "-q", "--quiet", is_flag=True, envvar="SENTINEL_QUIET", help="Print nothing when the run passes."
)
@click.option(
    "--suppress-exceptions",
    is_flag=True,
    envvar="SENTINEL_SUPPRESS_EXCEPTIONS",
    help="Leave exceptions out of the output.",
)
@click.option(
    "-j",
    "--jobs",
    type=int,
    default=0,
    envvar="SENTINEL_JOBS",
    help="Worker processes for many inputs (default: all cores).",
)
@click.option(
    "--max-input-bytes",
    type=int,
    default=DEFAULT_MAX_INPUT_BYTES,
    show_default=True,
    envvar="SENTINEL_MAX_INPUT_BYTES",
    help="Refuse input files larger than this.",
)
def test(
    files: tuple[str, ...],
    policy: tuple[str, ...],
    data: tuple[str, ...],
    rego_version: str,
    no_color: bool,
    output: str,
    strict: bool,
    trace: bool,
    config: object,
    namespace: tuple[str, ...],
    all_namespaces: bool,
    combine: bool,
    fail_on_warn: bool,
    no_fail: bool,
    parser: str | None,
    ignore: str | None,
    quiet: bool,
    suppress_exceptions: bool,
    jobs: int,
    max_input_bytes: int,
) -> None:
    """Test FILES (or folders, or - for stdin) against Rego policies, as conftest test does.

    Exit codes: 0 clean, 1 failures (or warnings with --fail-on-warn), 2 errors.
    """
    outputs.get_outputter(output)
    if parser:
        parsers.get_parser(parser)
    check_engine_flags(policy, strict, trace)
    inputs = discover_inputs(list(files), parser, ignore)
    stdin_text = sys.stdin.read() if "-" in inputs else None
    options = TestOptions(
        policy=policy,
        data=data,
        namespace=namespace,
        all_namespaces=all_namespaces,
        combine=combine,
        parser=parser,
        ignore=ignore,
        rego_v0=rego_version == "v0",
        jobs=jobs,
        max_input_bytes=max_input_bytes,
    )
    results = run_tests(inputs, options, stdin_text=stdin_text)
    emit(
        results,
        output,
        OutputOptions(
            no_color=no_color, quiet=quiet, fail_on_warn=fail_on_warn, suppress_exceptions=suppress_exceptions
        ),
    )
    sys.exit(exit_code(results, fail_on_warn=fail_on_warn, no_fail=no_fail))
