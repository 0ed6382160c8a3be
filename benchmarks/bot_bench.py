"""The bot on a large pull request: API requests per run and wall time (medians of 7 runs).

Scenario (issue 4): 500 findings across 120 files (blocking architecture and protocol
findings, testing warnings), posted to the local GitHub server of tests/bot (GitHub's
OpenAPI description validates every call; ``npm ci`` must have installed it).

Peer: the issue's request budget. First run: at most 8 requests plus one per 50
annotations; re-run with unchanged findings: at most 4 requests and no writes. Ratios are
measured / budget (<= 1.00 meets it). Wall time is reported with the server validating every
request and response, and without validation (closer to the bot's own cost).

Then the sticky comment's length (target: at most 10,000 characters) and the requests for 10,
100 and 500 findings: first run, unchanged re-run, and a run after one blocking finding is fixed;
and the same with review comments on (``added``, every finding on a line the pull request adds):
requests, writes, open review comments, wall and CPU time (CPU includes the in-process server's
validation), review comments off and on interleaved, medians of 3 rounds.

    .venv/bin/python benchmarks/bot_bench.py
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sentinel.bot.checks import batches
from sentinel.bot.context import GitHubContext
from sentinel.bot.diff_filter import from_pull_files
from sentinel.bot.findings import Finding, collect
from sentinel.bot.github_port import PullFile
from sentinel.bot.github_pygithub import PyGithubPort
from sentinel.bot.publish import Feedback, plan_feedback, post
from sentinel.bot.render import Renderer
from sentinel.bot.review import FIXED_TAG, plan_review
from sentinel.bot.settings import ApiSettings, BotSettings
from sentinel.runner.results import CheckResult, Location, Result
from testsupport.github_server import SPEC_FILE, Contract, FakeGitHub

RUNS = 7
ROUNDS = 3
FINDINGS = 500
FILES = 120
HEAD = "c" * 40
BASE = "d" * 40


def results(count: int = FINDINGS) -> list[CheckResult]:
    kinds = [
        ("architecture.layering.forbidden_import", "architecture", "high", True),
        ("proto.FIELD_NO_DELETE", "protocol", "error", True),
        ("testing.async_sleep", "testing", "warning", False),
    ]
    failures: list[Result] = []
    warnings: list[Result] = []
    for i in range(count):
        rule, category, severity, blocking = kinds[i % len(kinds)]
        item = Result(
            f"finding {i}: module app.m{i % FILES} breaks {rule}",
            loc=Location(f"src/app/m{i % FILES}.py", i // FILES + 1),
            metadata={"rule": rule, "category": category, "severity": severity, "fix": "See the docs."},
        )
        (failures if blocking else warnings).append(item)
    return [CheckResult(".sentinel/inputs/imports.json", "main", 10, failures=failures, warnings=warnings)]


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.1f} ms"


def pair(runs: list[dict[str, float]], key: str) -> str:
    first = median_ms([r[f"{key}_first"] for r in runs])
    again = median_ms([r[f"{key}_again"] for r in runs])
    return f"first {first}, re-run {again}"


def run_once(
    contract: Contract, findings: list[Finding], validate: bool, labels_exist: bool
) -> dict[str, float]:
    server = FakeGitHub(contract, validate=validate).start()
    try:
        server.add_pull(7, HEAD, BASE)
        settings = BotSettings()
        if labels_exist:
            for name in settings.labels.owned:
                definition = settings.labels.definition(name)
                server.create_label_state(name, definition.color, definition.description)
        context = GitHubContext(repository=server.repository, pr_number=7, head_sha=HEAD, run_id="1")
        api = ApiSettings(seconds_between_writes=0)

        def publish() -> tuple[Feedback, float, float]:
            started = time.perf_counter()
            feedback = plan_feedback(findings, Renderer(settings, context), settings)
            rendered = time.perf_counter()
            port = PyGithubPort(server.repository, "ghs_bench", server.url, api)
            pull = port.get_pull(7)
            outcome = post(port, pull, HEAD, feedback, settings, context.run_url)
            if outcome.errors:
                raise SystemExit(f"posting failed: {outcome.errors}")
            return feedback, rendered - started, time.perf_counter() - rendered

        feedback, render_first, post_first = publish()
        first = len(server.requests)
        first_writes = server.writes
        server.reset_log()
        _, render_again, post_again = publish()
        problems = server.take_errors()
        if problems:
            raise SystemExit("contract violations:\n" + "\n".join(problems))
        return {
            "first": first,
            "first_writes": first_writes,
            "again": len(server.requests),
            "again_writes": server.writes,
            "annotations": len(feedback.check.output.annotations),
            "batches": len(batches(feedback.check.output.annotations)),
            "render_first": render_first,
            "post_first": post_first,
            "render_again": render_again,
            "post_again": post_again,
            "comment_chars": len(feedback.comment),
        }
    finally:
        server.stop()


def new_file_patches(findings: list[Finding]) -> dict[str, str]:
    """Each finding's file as a file the pull request adds, long enough to hold its line."""
    longest: dict[str, int] = {}
    for f in findings:
        if f.file and f.line:
            longest[f.file] = max(longest.get(f.file, 0), f.line)
    return {
        path: f"@@ -0,0 +1,{n} @@\n" + "\n".join(f"+line {k}" for k in range(1, n + 1))
        for path, n in longest.items()
    }


def three_runs(
    contract: Contract, findings: list[Finding], review_mode: str = "off", labels_exist: bool = False
) -> list[tuple[float, ...]]:
    """(comment characters, requests, writes, open review comments, wall ms, CPU ms) for a first run,
    an unchanged re-run, and a run with the first blocking finding fixed, on one pull request."""
    server = FakeGitHub(contract).start()
    try:
        patches = new_file_patches(findings)
        server.add_pull(7, HEAD, BASE, patches=patches)
        diff = from_pull_files([PullFile(path, "added", patch) for path, patch in patches.items()])
        settings = BotSettings(review_comments=review_mode)
        if labels_exist:
            for name in settings.labels.owned:
                definition = settings.labels.definition(name)
                server.create_label_state(name, definition.color, definition.description)
        context = GitHubContext(repository=server.repository, pr_number=7, head_sha=HEAD, run_id="1")
        port = PyGithubPort(server.repository, "ghs_bench", server.url, ApiSettings(seconds_between_writes=0))
        fixed = list(findings)
        fixed.remove(next(f for f in findings if f.blocking))
        out: list[tuple[float, ...]] = []
        for current in (findings, findings, fixed):
            server.reset_log()
            wall, cpu = time.perf_counter(), time.process_time()
            review = plan_review(current, diff, review_mode, "", None)
            feedback = plan_feedback(current, Renderer(settings, context), settings, review)
            outcome = post(port, port.get_pull(7), HEAD, feedback, settings, context.run_url)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if outcome.errors:
                raise SystemExit(f"posting failed: {outcome.errors}")
            (comment,) = server.comments_on(7)
            still_open = sum(FIXED_TAG not in c["body"] for c in server.review_comments_on(7))
            out.append(
                (
                    len(comment["body"]),
                    len(server.requests),
                    server.writes,
                    still_open,
                    wall * 1000,
                    cpu * 1000,
                )
            )
        problems = server.take_errors()
        if problems:
            raise SystemExit("contract violations:\n" + "\n".join(problems))
        return out
    finally:
        server.stop()


def short_comment(contract: Contract) -> None:
    print("== sticky comment (target <= 10000 characters), review comments off")
    for count in (10, 100, 500):
        findings = collect(results(count))
        annotations = sum(1 for f in findings if f.file)
        budget = 8 + math.ceil(annotations / 50)
        (c1, r1, w1, *_), (c2, r2, w2, *_), (c3, r3, w3, *_) = three_runs(contract, findings)
        print(
            f"{count:4d} findings: first run {c1:5.0f} chars, {r1:2.0f} requests ({w1:.0f} writes, "
            f"budget {budget}); re-run {c2:5.0f} chars, {r2:2.0f} requests ({w2:.0f} writes); "
            f"after a fix {c3:5.0f} chars, {r3:2.0f} requests ({w3:.0f} writes)"
        )
    print()


def review_comments(contract: Contract) -> None:
    """Review comments on (``added``), every finding on an added line: medians of ROUNDS rounds,
    off and on interleaved so both see the same machine load."""
    print(
        f"== review comments (bot.review_comments: added), labels already in the repository, "
        f"medians of {ROUNDS} rounds, off/on interleaved"
    )
    print(
        f"{'findings':>8} {'mode':>5} {'run':>11} {'chars':>6} {'requests':>8} {'writes':>6} "
        f"{'budget':>6} {'open':>5} {'wall ms':>8} {'CPU ms':>7}"
    )
    for count in (10, 100, 500):
        findings = collect(results(count))
        budget = 8 + math.ceil(sum(1 for f in findings if f.file) / 50)
        samples: dict[str, list[list[tuple[float, ...]]]] = {"off": [], "added": []}
        for _ in range(ROUNDS):
            for mode in ("off", "added"):
                samples[mode].append(three_runs(contract, findings, mode, labels_exist=True))
        for mode, rounds in samples.items():
            for index, name in enumerate(("first run", "re-run", "after a fix")):
                chars, requests, writes, still_open = rounds[0][index][:4]
                wall = statistics.median(r[index][4] for r in rounds)
                cpu = statistics.median(r[index][5] for r in rounds)
                shown = str(budget) if index == 0 else "0 w"
                print(
                    f"{count:8d} {mode:>5} {name:>11} {chars:6.0f} {requests:8.0f} {writes:6.0f} "
                    f"{shown:>6} {still_open:5.0f} {wall:8.1f} {cpu:7.1f}"
                )
    print()


def sample(fn: Callable[[], dict[str, float]]) -> list[dict[str, float]]:
    return [fn() for _ in range(RUNS)]


def main() -> None:
    spec = Path(__file__).resolve().parent.parent / SPEC_FILE
    if not spec.is_file():
        raise SystemExit(f"{spec} is missing: run `npm ci` at the repository root")
    started = time.perf_counter()
    contract = Contract(spec)
    load = time.perf_counter() - started
    findings = collect(results())
    print(f"GitHub OpenAPI {contract.version}: {contract.paths} paths, loaded in {load * 1000:.0f} ms")
    print(f"scenario: {len(findings)} findings across {FILES} files, {RUNS} runs each, medians\n")
    short_comment(contract)
    review_comments(contract)

    for labels_exist in (True, False):
        title = "labels already in the repository" if labels_exist else "fresh repository (labels created)"
        runs = sample(lambda le=labels_exist: run_once(contract, findings, True, le))  # type: ignore[misc]
        one = runs[0]
        budget_first = 8 + math.ceil(one["annotations"] / 50)
        print(f"== {title}")
        print(
            f"first run : {one['first']:3.0f} requests ({one['first_writes']:.0f} writes; "
            f"{one['annotations']:.0f} annotations in {one['batches']:.0f} requests)  "
            f"budget {budget_first}  ratio {one['first'] / budget_first:.2f}"
        )
        print(
            f"re-run    : {one['again']:3.0f} requests ({one['again_writes']:.0f} writes)  "
            f"budget 4, no writes  ratio {one['again'] / 4:.2f}"
        )
        print(f"comment   : {one['comment_chars']:.0f} characters (target 10000)")
        print(f"render    : {pair(runs, 'render')}")
        print(f"post      : {pair(runs, 'post')}  (server validating)")
        if labels_exist:
            fast = sample(lambda: run_once(contract, findings, False, True))
            print(f"post      : {pair(fast, 'post')}  (no validation)")
        print()
    print(
        f"contract validation: {contract.validations} validations, "
        f"{contract.validation_seconds / max(1, contract.validations) * 1000:.1f} ms each on average"
    )


if __name__ == "__main__":
    main()
