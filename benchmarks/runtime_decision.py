"""In-process decision latency: ``Decider.evaluate`` on a 20-rule decision policy, and memory per tenant pack.

Contenders, interleaved in each round on the same requests (medians of the rounds' percentiles):

- ``Decider.evaluate``: the whole call (request model in, Decision model out, compiled program);
- ``RVM``: regorus's compiled program alone (set input, run ``deny`` and ``warn``);
- ``Engine.eval_rule``: regorus's interpreter alone, the same two rules (the peer);
- ``Decider (interpreter)``: what ``Decider.evaluate`` would cost on the interpreter (same
  scoring and response, the interpreter in place of the RVM).

Target (issue 12): p99 <= 100 us for ``Decider.evaluate``. CPU time per call is the process CPU
time of a round divided by its calls, beside the wall-clock median.

Then memory: the resident set size added by loading N tenant packs (each its own data, the same
policy, so one compiled program) and by each pack's first evaluation in this thread (its VM).

    .venv/bin/python benchmarks/runtime_decision.py
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import regorus

from sentinel.runtime.decision import Decider, DecisionRequest
from sentinel.runtime.decision.models import Decision
from sentinel.runtime.decision.scoring import reasons_from, score
from sentinel.runtime.engine import UNDEFINED, CompiledPolicy

ROUNDS = 5
CALLS = 4000
TENANTS = 50

# (rule id, message, weight, body): 18 object reasons, one string reason, one warning = 20 rules.
RULES = [
    ("r01", "action closed", 10000, "input.action in data.d.closed"),
    ("r02", "unknown subject", 10000, "not data.d.roles[input.subject]"),
    ("r03", "suspended", 10000, "input.subject in data.d.suspended"),
    ("r04", "root", 9000, 'startswith(input.resource, "root/")'),
    ("r05", "secrets", 9000, 'glob.match("secrets/**", ["/"], input.resource)'),
    ("r06", "no mfa", 7000, 'endswith(input.action, ".delete"); not input.context.mfa'),
    ("r07", "large amount", 5000, "input.context.amount > 10000"),
    ("r08", "foreign region", 3000, "input.context.region; not input.context.region in data.d.regions"),
    ("r09", "night", 1000, "input.context.hour < 6"),
    ("r10", "weekend", 1000, 'input.context.weekday in {"sat", "sun"}'),
    ("r11", "too many", 2000, 'count(object.get(input.context, "items", [])) > 50'),
    ("r12", "bad ip", 8000, "input.context.ip in data.d.blocked_ips"),
    ("r13", "legacy client", 500, 'startswith(object.get(input.context, "client", ""), "legacy/")'),
    ("r14", "empty resource", 10000, 'input.resource == ""'),
    (
        "r15",
        "admin action",
        6000,
        'startswith(input.action, "admin."); not "admin" in data.d.roles[input.subject]',
    ),
    (
        "r16",
        "tenant mismatch",
        10000,
        "input.context.owner_tenant; input.context.owner_tenant != input.tenant",
    ),
    ("r17", "export", 4000, 'input.action == "data.export"; not input.context.approved'),
    ("r18", "long subject", 100, "count(input.subject) > 64"),
]
POLICY = (
    "package sentinel.decision\nimport rego.v1\n\n"
    + "".join(
        f'deny contains {{"rule": "{rule}", "message": "{message}", "weight": {weight}}} if {{ {body} }}\n'
        for rule, message, weight, body in RULES
    )
    + 'deny contains sprintf("%s may not %s", [input.subject, input.action]) if {\n'
    + "    input.action in data.d.string_denied\n}\n"
    + 'warn contains {"rule": "r20", "message": "break glass", "weight": 0} if input.context.break_glass\n'
)
DATA = {
    "d": {
        "closed": ["orders.purge"],
        "roles": {"alice": ["admin"], "bob": ["viewer"], "carol": ["viewer"]},
        "suspended": ["mallory"],
        "regions": ["eu", "us"],
        "blocked_ips": ["10.6.6.6"],
        "string_denied": ["orders.burn"],
    }
}
DENY, WARN = "data.sentinel.decision.deny", "data.sentinel.decision.warn"


def requests() -> list[DecisionRequest]:
    base: list[tuple[str, str, str, dict[str, Any]]] = [
        ("alice", "orders.read", "orders/1", {}),
        ("bob", "orders.read", "orders/2", {"region": "eu", "hour": 10}),
        ("bob", "orders.delete", "orders/3", {}),
        ("carol", "data.export", "reports/q1", {"approved": True}),
        ("mallory", "orders.read", "orders/4", {}),
        ("alice", "admin.users", "users/1", {"mfa": True, "amount": 5}),
        ("eve", "orders.purge", "root/x", {"ip": "10.6.6.6", "break_glass": True}),
        ("bob", "orders.burn", "secrets/a/b", {"items": list(range(60)), "weekday": "sun"}),
    ]
    return [DecisionRequest(tenant="acme", subject=s, action=a, resource=r, context=c) for s, a, r, c in base]


def percentile(sorted_ns: list[int], q: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(len(sorted_ns) * q))] / 1000


def run_round(call: Callable[[int], object]) -> tuple[float, float, float, float]:
    """p50, p95, p99 (us, wall) and CPU us per call over CALLS calls."""
    samples: list[int] = []
    cpu0 = time.process_time()
    for i in range(CALLS):
        t0 = time.perf_counter_ns()
        call(i)
        samples.append(time.perf_counter_ns() - t0)
    cpu = (time.process_time() - cpu0) / CALLS * 1e6
    samples.sort()
    return percentile(samples, 0.50), percentile(samples, 0.95), percentile(samples, 0.99), cpu


def contenders() -> dict[str, Callable[[int], object]]:
    reqs = requests()
    inputs = [r.model_dump_json(exclude={"idempotency"}) for r in reqs]
    decider = Decider.from_modules(
        [("decision.rego", POLICY)], DATA, revision="bench", constitution_hash="bench"
    )
    program = CompiledPolicy.compile([("decision.rego", POLICY)], DATA, [DENY, WARN])
    engine = regorus.Engine()
    engine.add_policy("decision.rego", POLICY)
    engine.add_data_json(json.dumps(DATA))
    n = len(reqs)

    def rvm(i: int) -> object:
        return program.evaluate_many((DENY, WARN), inputs[i % n])

    def interpreter(i: int) -> object:
        engine.set_input_json(inputs[i % n])
        return engine.eval_rule_as_json(DENY), engine.eval_rule_as_json(WARN)

    def decider_interpreted(i: int) -> object:
        request = reqs[i % n]
        engine.set_input_json(request.model_dump_json(exclude={"idempotency"}))
        deny = json.loads(engine.eval_rule_as_json(DENY))
        warn = json.loads(engine.eval_rule_as_json(WARN))
        reasons = reasons_from([] if deny == "<undefined>" else deny, "deny")
        warnings = reasons_from([] if warn == "<undefined>" else warn, "warn")
        return Decision.model_construct(
            decision="deny" if reasons else "allow",
            score=score(reasons),
            reasons=reasons,
            warnings=warnings,
            policy_revision="bench",
            constitution_hash="bench",
            decision_id="x",
            evaluated_at="x",
        )

    # Same answers from every contender before timing anything.
    for i in range(n):
        compiled = decider.evaluate(reqs[i])
        assert [r.model_dump() for r in compiled.reasons] == [
            r.model_dump()
            for r in decider_interpreted(i).reasons  # type: ignore[attr-defined]
        ]
        assert rvm(i)[0] != UNDEFINED  # type: ignore[index]
    return {
        "Decider.evaluate (compiled)": lambda i: decider.evaluate(reqs[i % n]),
        "Decider (interpreter)": decider_interpreted,
        "RVM deny+warn": rvm,
        "Engine.eval_rule deny+warn": interpreter,
    }


def latency_table() -> None:
    calls = contenders()
    results: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in calls}
    for call in calls.values():  # warm-up
        for i in range(500):
            call(i)
    for _ in range(ROUNDS):
        for name, call in calls.items():
            results[name].append(run_round(call))
    cycled = len(requests())
    print(f"In process, 20-rule decision policy, {cycled} requests cycled, {ROUNDS} rounds x {CALLS} calls")
    print(f"{'contender':32} {'p50 us':>8} {'p95 us':>8} {'p99 us':>8} {'CPU us/call':>12}")
    for name, rounds in results.items():
        med = [statistics.median(r[k] for r in rounds) for k in range(4)]
        print(f"{name:32} {med[0]:8.1f} {med[1]:8.1f} {med[2]:8.1f} {med[3]:12.1f}")


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def memory_table() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for t in range(TENANTS):
            folder = root / f"tenant-{t:03d}"
            (folder / "d").mkdir(parents=True)
            (folder / "decision.rego").write_text(POLICY)
            tenant_data = {**DATA["d"], "roles": {f"user{u}-{t}": ["viewer"] for u in range(100)}}
            (folder / "d" / "data.json").write_text(json.dumps(tenant_data))
        before = rss_kib()
        decider = Decider.from_folder([], tenant_packs=root)
        loaded = rss_kib()
        for t in range(TENANTS):
            decider.evaluate(
                DecisionRequest(tenant=f"tenant-{t:03d}", subject="bob", action="a", resource="r")
            )
        evaluated = rss_kib()
    print(
        f"\nMemory, {TENANTS} tenant packs (20 rules, 100 subjects of data each; one shared compiled program)"
    )
    print(f"{'state':40} {'RSS added KiB':>14} {'per pack KiB':>13}")
    for label, now in (
        ("loaded (program + data + sources)", loaded),
        ("after one evaluation each (+ its VM)", evaluated),
    ):
        print(f"{label:40} {now - before:14d} {(now - before) / TENANTS:13.1f}")


if __name__ == "__main__":
    latency_table()
    memory_table()
