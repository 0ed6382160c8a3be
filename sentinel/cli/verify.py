"""``sentinel verify``: conftest's ``verify`` command (runs the policies' unit tests)."""

from __future__ import annotations

import sys

import click

from sentinel import library
from sentinel.cli.multi_output import single_output
from sentinel.cli.options import resolve_paths
from sentinel.cli.test import check_engine_flags, emit, policy_options
from sentinel.errors import UsageError
from sentinel.outputs.base import OutputOptions
from sentinel.runner.evaluate import TestOptions
from sentinel.runner.verify import opa_report, run_verify

VERIFY_OUTPUTS = ("stdout", "json", "tap", "junit", "table")


@click.command("verify")
@policy_options
@click.option(
    "-n",
    "--namespace",
    multiple=True,
    envvar="SENTINEL_VERIFY_NAMESPACE",
    help="Only run tests in namespaces matching these globs (repeatable; default: all).",
)
@click.option(
    "--report",
    type=click.Choice(["fails", "notes", "full"]),
    default=None,
    help="stdout detail: failing tests, print() notes, or everything.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing when every test passes.")
@click.argument("ignored_paths", nargs=-1, metavar="[PATH]...")
def verify(
    policy: tuple[str, ...],
    data: tuple[str, ...],
    rego_version: str,
    no_color: bool,
    output: tuple[str, ...] | str,
    strict: bool,
    trace: bool,
    capabilities: str | None,
    engine: str,
    timeout: float,
    memory_limit: int,
    config: object,
    namespace: tuple[str, ...],
    report: str | None,
    quiet: bool,
    ignored_paths: tuple[str, ...],
) -> None:
    """Run the test_ rules in the policy paths. Exit 0 when all pass, 1 on a failing test, 2 on errors.

    PATH arguments are accepted and ignored, as conftest verify does (the policies come from -p).
    No test_ rule at all is reported as 0 tests with exit 0, as conftest does, and a note on stderr.
    """
    output = single_output(output, "verify")
    if output not in VERIFY_OUTPUTS:
        raise UsageError(f"verify supports --output {', '.join(VERIFY_OUTPUTS)}, not {output!r}")
    if report and output != "stdout":
        raise UsageError("report flag is supported with stdout only")
    paths = resolve_paths(policy, data, (library.REPO_POLICY, library.CONFTEST_POLICY))
    policy, data = paths.policy, paths.data
    engine = check_engine_flags(policy, strict, trace, capabilities, engine, rego_version == "v0")
    if report:
        # The report is OPA's test reporter with its explanations; regorus has no tracer.
        from sentinel.runner.opa_engine import require_opa

        require_opa("--report")
        engine = "opa"
    options = TestOptions(
        policy=policy,
        data=data,
        rego_v0=rego_version == "v0",
        engine=engine,
        timeout=timeout,
        memory_limit=memory_limit,
        default_data=paths.default_data,
        data_config=paths.data_config,
    )
    results = run_verify(options, namespace)
    if not results:
        click.echo(f"Note: no test_ rules found in {', '.join(policy)}", err=True)
    failed = any(r.failures for r in results)
    if report:
        if failed or not quiet:
            click.echo(opa_report(options, report, namespace), nl=False)
        sys.exit(1 if failed else 0)
    emit(results, output, OutputOptions(no_color=no_color, quiet=quiet, mode="verify", report=report))
    sys.exit(1 if any(r.failures for r in results) else 0)
