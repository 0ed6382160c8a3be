"""Minimal reproducers of regorus 0.13 (``gordon-to-regorus``) defects the runner routes around.

Each runs bare regorus in a subprocess and asserts the defect is still there. When one of these
fails after an upgrade, the engine has been fixed: drop or relax the workaround named in it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap

import regorus


def _run(script: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    code = "import regorus, json, resource\n" + textwrap.dedent(script)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)


def _engine(body: str) -> regorus.Engine:
    engine = regorus.Engine()
    engine.add_policy("p.rego", "package p\nimport rego.v1\n" + body)
    return engine


def test_recursive_function_crashes_the_process() -> None:
    """Worked around by the recursion check in sentinel/runner/vet.py (OPA rejects recursion)."""
    proc = _run("""
        e = regorus.Engine()
        e.add_policy("p.rego", "package p\\nimport rego.v1\\nf(x) := y if { y := f(x) }\\nr := f(1)\\n")
        e.eval_rule_as_json("data.p.r")
    """)
    assert proc.returncode == -signal.SIGSEGV


def test_long_operator_chain_crashes_the_parser() -> None:
    """Worked around by compiling first in a guarded worker (RegorusEngine with limits)."""
    proc = _run("""
        e = regorus.Engine()
        e.set_policy_length_config(max_col=10_000_000, max_file_bytes=1 << 28, max_lines=1_000_000)
        e.add_policy("p.rego", "package p\\nx := " + "+".join(["1"] * 100_000) + "\\n")
        e.get_ast_as_json()
    """)
    assert proc.returncode == -signal.SIGSEGV


def test_nested_arrays_take_exponential_time_to_parse() -> None:
    """Worked around by the time limit on the guarded compile."""
    proc = _run("""
        import time
        def parse(n):
            start = time.perf_counter()
            regorus.Engine().add_policy("p.rego", "package p\\nx := " + "[" * n + "]" * n + "\\n")
            return time.perf_counter() - start
        print(parse(13) / max(parse(9), 1e-6))
    """)
    assert float(proc.stdout) > 8  # four more levels cost ~16x


def test_huge_allocation_aborts_instead_of_failing() -> None:
    """Worked around by RLIMIT_AS in the evaluation worker and reporting the abort (sandbox.py)."""
    proc = _run("""
        e = regorus.Engine()
        rule = "n := count([y | some y in numbers.range(1, 200000000)])"
        e.add_policy("p.rego", "package p\\nimport rego.v1\\n" + rule + "\\n")
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        e.eval_rule_as_json("data.p.n")
    """)
    assert proc.returncode == -signal.SIGABRT
    assert "memory allocation of" in proc.stderr


def test_http_send_is_undefined_without_a_request() -> None:
    """Worked around by refusing network builtins before evaluation (vet.py)."""
    engine = _engine('r := http.send({"method": "get", "url": "http://127.0.0.1:1/"})\n')
    assert json.loads(engine.eval_rule_as_json("data.p.r")) == "<undefined>"


def test_undefined_reads_as_a_string() -> None:
    """An undefined rule's JSON is the string "<undefined>" (engine.py's UNDEFINED)."""
    assert json.loads(_engine("r if false\n").eval_rule_as_json("data.p.r")) == "<undefined>"


def test_integers_past_64_bits_become_floats() -> None:
    """Worked around by refusing such integers in the input (engine.set_input)."""
    engine = _engine("r := input.n\n")
    engine.set_input_json('{"n": 123456789012345678901234567890}')
    assert json.loads(engine.eval_rule_as_json("data.p.r")) == 1.2345678901234568e29


def test_input_nesting_limit_error_names_no_file() -> None:
    """Worked around by a ParseError naming the input (evaluate.check_document)."""
    engine = _engine("r := 1\n")
    try:
        engine.set_input_json("[" * 128 + "]" * 128)
    except RuntimeError as exc:
        assert "recursion limit exceeded at line 1" in str(exc)
    else:
        raise AssertionError("regorus accepted 128 levels of nesting")


def test_dynamic_self_reference_is_not_reported_as_recursion() -> None:
    """OPA rejects this as recursive; regorus evaluates it. vet.py rejects it as OPA does."""
    engine = _engine("r := count(data.p)\n")
    engine.eval_rule_as_json("data.p.r")  # no recursion error


def test_variable_redeclared_in_a_comprehension_is_rejected() -> None:
    """OPA accepts a comprehension variable that shadows a rule of the package; regorus refuses it.
    Routed: the error says so and names --engine opa (sentinel/runner/engine.py _GAPS; corpus
    case engine_gap_shadow runs it through OPA)."""
    engine = _engine('x := 1\nr := [x | some x in [1, 2]]\n')
    try:
        engine.eval_rule_as_json("data.p.r")
    except RuntimeError as exc:
        assert "used before definition" in str(exc)
    else:
        raise AssertionError("regorus now accepts the shadowed variable: drop the _GAPS hint")


def test_rego_metadata_builtins_are_missing() -> None:
    """rego.metadata.rule/chain are OPA builtins regorus lacks (corpus case engine_gap_metadata)."""
    for name in ("rego.metadata.rule", "rego.metadata.chain"):
        engine = _engine(f"# METADATA\n# title: T\nr := {name}()\n")
        try:
            engine.eval_rule_as_json("data.p.r")
        except RuntimeError as exc:
            assert "could not find function" in str(exc)
        else:
            raise AssertionError(f"regorus now has {name}: drop the _GAPS hint for it")


def test_v0_mode_accepts_future_keywords_without_their_import() -> None:
    """OPA's v0 parser refuses `deny contains x if` without `import future.keywords`; regorus
    evaluates it. Routed: sentinel/runner/v0_keywords.py refuses it first (corpus case rego_v0_keywords)."""
    engine = regorus.Engine()
    engine.set_rego_v0(True)
    engine.add_policy("p.rego", 'package p\n\ndeny contains "y" if {\n\ttrue\n}\n')
    assert json.loads(engine.eval_rule_as_json("data.p.deny")) == ["y"]


def test_negated_call_with_an_undefined_argument_is_true() -> None:
    """OPA leaves ``not f(input.x)`` undefined when ``input.x`` is (``opa eval`` on this policy gives no
    ``p`` and no ``q``, only ``r``); regorus makes it true. Routed around by reading optional fields
    through a default before a negated call (policy-as-code/runtime/risk/risk.rego does; the CI
    library's negated calls take fields the extractors always write, null when unknown)."""
    engine = _engine(
        "f(x) if x == 1\n"
        "p if not f(input.x)\n"
        "q if not is_string(input.x)\n"
        "r if not input.x == 1\n"
    )
    engine.set_input_json("{}")
    values = {}
    for name in "pqr":
        answer = json.loads(engine.eval_query_as_json(f"data.p.{name}"))
        values[name] = answer["result"][0]["expressions"][0]["value"]
    assert values == {"p": True, "q": True, "r": True}


def test_glob_star_crosses_delimiters() -> None:
    """``*`` must not match a delimiter: OPA gives false for this call, regorus true. Routed around in
    policy-as-code/runtime/decision/tokens.rego, which matches scopes segment by segment without glob."""
    engine = _engine('x := glob.match("chat:*", [":"], "chat:admin:all")\n')
    assert engine.eval_rule("data.p.x") is True
