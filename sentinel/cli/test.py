"""``sentinel test``: conftest's ``test`` command."""

from __future__ import annotations

import sys
from dataclasses import replace

import click

from sentinel import library, outputs, parsers
from sentinel.cli.multi_output import emit_all, parse_outputs
from sentinel.cli.options import config_option, resolve_paths, terminal_color
from sentinel.errors import PolicyError
from sentinel.outputs.base import OutputOptions
from sentinel.runner.engines import ENGINES
from sentinel.runner.evaluate import DEFAULT_MAX_INPUT_BYTES, TestOptions, discover_inputs, run_tests
from sentinel.runner.results import CheckResult, exit_code
from sentinel.runner.sandbox import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_S, parse_size


class ByteSize(click.ParamType):
    """A size such as ``2GiB``, ``512MiB`` or a number of bytes (from a flag, env var or conftest.yml)."""

    name = "size"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        try:
            return parse_size(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def limit_options(func: click.decorators.FC) -> click.decorators.FC:
    """The evaluation limits (test, verify, check). In conftest.yml they must be positive: the
    repository's file may raise a limit, never turn it off; only the command line or the
    environment may give 0 (no limit)."""
    decorators = [
        click.option(
            "--timeout",
            type=click.FloatRange(min=0),
            default=DEFAULT_TIMEOUT_S,
            show_default=True,
            envvar="SENTINEL_TIMEOUT",
            help="Seconds the evaluation of one input (or one verify test) may take; 0: no limit.",
        ),
        click.option(
            "--memory-limit",
            type=ByteSize(),
            default=f"{DEFAULT_MEMORY_BYTES // 1024**3}GiB",
            show_default=True,
            envvar="SENTINEL_MEMORY_LIMIT",
            help="Memory (address space) an evaluation worker may add, e.g. 2GiB or 512MiB; 0: no limit.",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def policy_options(func: click.decorators.FC) -> click.decorators.FC:
    """Options shared by test, verify and check."""
    decorators = [
        click.option(
            "-p",
            "--policy",
            multiple=True,
            envvar="SENTINEL_POLICY",
            help="Path to Rego policies (file or folder; repeatable). Default: the shipped rule library "
            "plus the config's `policy`, else policy-as-code/policies or policy.",
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
            multiple=True,
            default=("stdout",),
            show_default=True,
            envvar="SENTINEL_OUTPUT",
            help=f"Output format: {', '.join(outputs.names())}; repeatable as FORMAT=PATH to write "
            "more formats to files (test, check).",
        ),
        click.option(
            "--strict",
            is_flag=True,
            envvar="SENTINEL_STRICT",
            help="Strict compile checks (uses the OPA engine; needs the opa binary).",
        ),
        click.option(
            "--trace",
            is_flag=True,
            envvar="SENTINEL_TRACE",
            help="Print OPA's evaluation trace to stderr (uses the OPA engine; needs the opa binary).",
        ),
        click.option(
            "--capabilities",
            default=None,
            envvar="SENTINEL_CAPABILITIES",
            help="OPA capabilities JSON file limiting the builtins policies may use (uses the OPA engine).",
        ),
        click.option(
            "--engine",
            type=click.Choice(ENGINES),
            default="regorus",
            show_default=True,
            envvar="SENTINEL_ENGINE",
            help="Rego engine: the embedded regorus, or the opa binary.",
        ),
        limit_options,
        config_option,
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def trace_to_stderr(line: str) -> None:
    """``--trace``: OPA's explanation goes to stderr, so stdout stays the machine-readable result."""
    click.echo(line, err=True)


def check_engine_flags(
    policy: tuple[str, ...], strict: bool, trace: bool, capabilities: str | None, engine: str, rego_v0: bool
) -> str:
    """--strict, --trace and --capabilities are OPA features regorus lacks: they select the OPA engine.

    Returns the engine to use. Without the opa binary these flags exit 2 saying how to get it.
    """
    wanted = [flag for flag, on in (("--strict", strict), ("--trace", trace)) if on]
    if capabilities:
        wanted.append("--capabilities")
    if not wanted:
        return engine
    from sentinel.runner.opa_engine import require_opa

    opa = require_opa(" and ".join(wanted))
    if strict or capabilities:
        import subprocess  # only here: `sentinel test` starts faster without it
        cmd = [opa, "check", *(["--strict"] if strict else []), *(["--v0-compatible"] if rego_v0 else [])]
        if capabilities:
            cmd += ["--capabilities", capabilities]
        proc = subprocess.run([*cmd, "--", *policy], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise PolicyError(f"opa check failed:\n{proc.stdout}{proc.stderr}".rstrip())
    return "opa"


def emit(results: list[CheckResult], output: str, options: OutputOptions) -> None:
    color = terminal_color(options.no_color)
    text = outputs.get_outputter(output).render(results, replace(options, no_color=color is False))
    if text:
        click.echo(text, nl=not text.endswith("\n"), color=color)


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
@click.option("--proto-file-dirs", multiple=True, envvar="SENTINEL_PROTO_FILE_DIRS",
              help="Folders of .proto files that define the messages of textproto inputs (comma-separated).")
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
    output: tuple[str, ...],
    strict: bool,
    trace: bool,
    capabilities: str | None,
    engine: str,
    timeout: float,
    memory_limit: int,
    config: object,
    namespace: tuple[str, ...],
    all_namespaces: bool,
    combine: bool,
    fail_on_warn: bool,
    no_fail: bool,
    parser: str | None,
    proto_file_dirs: tuple[str, ...],
    ignore: str | None,
    quiet: bool,
    suppress_exceptions: bool,
    jobs: int,
    max_input_bytes: int,
) -> None:
    """Test FILES (or folders, or - for stdin) against Rego policies, as conftest test does.

    Exit codes: 0 clean, 1 failures (or warnings with --fail-on-warn), 2 errors.
    """
    specs = parse_outputs(output)
    if parser:
        parsers.get_parser(parser)
    paths = resolve_paths(policy, data, (library.REPO_POLICY, library.CONFTEST_POLICY))
    policy, data = paths.policy, paths.data
    engine = check_engine_flags(policy, strict, trace, capabilities, engine, rego_version == "v0")
    inputs = discover_inputs(list(files), parser, ignore)
    stdin_text = parsers.read_limited(sys.stdin.buffer, max_input_bytes) if "-" in inputs else None
    options = TestOptions(
        policy=policy,
        data=data,
        namespace=namespace,
        all_namespaces=all_namespaces,
        combine=combine,
        parser=parser,
        proto_file_dirs=tuple(d for value in proto_file_dirs for d in value.split(",") if d),
        ignore=ignore,
        rego_v0=rego_version == "v0",
        jobs=jobs,
        max_input_bytes=max_input_bytes,
        engine=engine,
        trace=trace_to_stderr if trace else None,
        timeout=timeout,
        memory_limit=memory_limit,
        default_data=paths.default_data,
        data_config=paths.data_config,
    )
    results = run_tests(inputs, options, stdin_text=stdin_text)
    emit_all(
        results,
        specs,
        OutputOptions(
            no_color=no_color, quiet=quiet, fail_on_warn=fail_on_warn, suppress_exceptions=suppress_exceptions
        ),
    )
    sys.exit(exit_code(results, fail_on_warn=fail_on_warn, no_fail=no_fail))
