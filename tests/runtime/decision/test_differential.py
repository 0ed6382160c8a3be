"""The compiled program (regorus RVM) gives the interpreter's (regorus Engine) results.

On the CI rule library (every deny/warn/violation rule of policy-as-code/policies) against the
documents ``sentinel extract`` writes for a small real repository, and on the shipped decision
policy against generated requests. Where the two engines differ, tests/runtime/decision/
test_rvm_gaps.py holds a minimal reproducer; none of those differences shows up here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import regorus
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sentinel.cli import main
from sentinel.library import library_dir
from sentinel.runner.loader import find_policies, load_data
from sentinel.runner.vet import CONFTEST_RULE
from sentinel.runtime.decision import Decider, DecisionRequest
from sentinel.runtime.engine import UNDEFINED, CompiledPolicy

REPO_FILES = {
    "app/__init__.py": "",
    "app/orders.py": (
        "import os\nimport redis\n\n# TODO: cache per tenant\n"
        "def key(order_id):\n    return f'orders:{order_id}'\n\n"
        "def load(client, order_id):\n    try:\n        return client.get(key(order_id))\n"
        "    except Exception:\n        return None\n"
    ),
    "app/events.py": "def subscribe(nc):\n    return nc.subscribe('orders.>')\n",
    "app/settings.py": "API_TOKEN = 'ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789'\n",
    "app/service.proto": 'syntax = "proto3";\npackage shop.v1;\nmessage Order { string id = 1; }\n',
    "tests/test_orders.py": (
        "from app.orders import key\n\ndef test_key():\n    assert key(1) == 'orders:1'\n"
    ),
    "app/a.py": "from app import b\n",
    "app/b.py": "from app import a\n",
    "app/jobs.py": (
        "import logging\nimport time\n\nlog = logging.getLogger(__name__)\n\n"
        "async def run(order_id):\n    time.sleep(1)\n    log.info(f'ran {order_id}')\n"
    ),
    "app/api.py": (
        "import logging\nfrom fastapi import APIRouter\n\n"
        "router = APIRouter()\nlog = logging.getLogger(__name__)\n\n"
        "@router.get('/orders')\nasync def orders(tenant):\n"
        "    log.info(f'orders for {tenant}')\n    return []\n"
    ),
    "tests/test_jobs.py": "import time\n\nasync def test_run():\n    time.sleep(0.1)\n",
    "README.md": "# shop\n",
}


def _library_modules() -> tuple[list[tuple[str, str]], dict[str, Any]]:
    root = library_dir()
    sources = find_policies([str(root / "policies")])
    modules = [(s.path, s.text) for s in sources if not s.path.endswith("_test.rego")]
    return modules, load_data([str(root / "data")])


def _interpreter(modules: list[tuple[str, str]], data: dict[str, Any]) -> regorus.Engine:
    engine = regorus.Engine()
    for path, text in modules:
        engine.add_policy(path, text)
    engine.add_data_json(json.dumps(data))
    return engine


def _interpreted(engine: regorus.Engine, rule: str) -> Any:
    value = json.loads(engine.eval_rule_as_json(rule))
    return UNDEFINED if value == "<undefined>" else value


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    import git

    root = tmp_path_factory.mktemp("repo")
    for rel, text in REPO_FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Sentinel Test")
        config.set_value("user", "email", "test@example.invalid")
        config.set_value("commit", "gpgsign", "false")
    repo.git.add("-A")
    repo.index.commit("shop")
    out = root / ".sentinel" / "inputs"
    result = CliRunner().invoke(
        main, ["extract", "--root", str(root), "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    documents = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    assert len(documents) >= 10
    return documents


def test_every_library_rule_compiles_and_matches_the_interpreter(extracted: list[dict[str, Any]]) -> None:
    modules, data = _library_modules()
    inventory = CompiledPolicy.compile(modules, data, (), optional_entrypoints=())
    rules = sorted(
        f"data.{ns}.{rule}"
        for ns, names in inventory.rules.items()
        for rule in names
        if CONFTEST_RULE.match(rule)
    )
    assert len(rules) >= 30
    program = CompiledPolicy.compile(modules, data, rules)
    engine = _interpreter(modules, data)
    differences: list[str] = []
    compared = 0
    firing: set[str] = set()
    for document in extracted:
        engine.set_input_json(json.dumps(document))
        for rule in rules:
            compiled = program.evaluate(rule, document)
            interpreted = _interpreted(engine, rule)
            compared += 1
            if compiled:
                firing.add(rule)
            if compiled != interpreted:
                differences.append(f"{rule} on {document.get('kind')}: {compiled!r} != {interpreted!r}")
    assert differences == []
    assert compared == len(rules) * len(extracted)
    assert len(firing) >= 8  # the repository trips rules of every category: real values were compared


names = st.sampled_from(["alice", "bob", "carol", "mallory", "eve", ""]).filter(bool)
actions = st.sampled_from(
    ["orders.read", "orders.list", "orders.delete", "invoices.pay", "invoices.send", "secrets.read", "x"]
)
resources = st.sampled_from(["orders/1", "invoices/7", "secrets/root/key", "secrets/other", ""])
contexts = st.fixed_dictionaries(
    {},
    optional={
        "mfa": st.one_of(st.booleans(), st.just("yes"), st.none()),
        "break_glass": st.booleans(),
        "note": st.text(max_size=20),
    },
)


@pytest.fixture(scope="module")
def shipped() -> tuple[Decider, regorus.Engine]:
    """The decider and the interpreter, once for every generated example (compiling costs ~50 ms)."""
    folder = library_dir() / "runtime" / "decision"
    data_file = folder / "data.example.json"
    modules = [
        (str(p), p.read_text()) for p in sorted(folder.glob("*.rego")) if not p.name.endswith("_test.rego")
    ]
    engine = _interpreter(modules, json.loads(data_file.read_text()))
    return Decider.from_folder([folder], [data_file]), engine


@given(
    tenant=st.sampled_from(["acme", "globex"]),
    subject=names,
    action=actions,
    resource=resources,
    context=contexts,
)
def test_the_shipped_decision_policy_compiled_matches_the_interpreter(
    shipped: tuple[Decider, regorus.Engine],
    tenant: str,
    subject: str,
    action: str,
    resource: str,
    context: dict[str, Any],
) -> None:
    decider, engine = shipped
    request = DecisionRequest(
        tenant=tenant, subject=subject, action=action, resource=resource, context=context
    )
    decision = decider.evaluate(request)
    engine.set_input_json(json.dumps(request.policy_input()))
    deny = _interpreted(engine, "data.sentinel.decision.deny")
    warn = _interpreted(engine, "data.sentinel.decision.warn")
    assert [r.model_dump() for r in decision.reasons] == sorted(deny, key=lambda r: (r["rule"], r["message"]))
    assert [w.model_dump() for w in decision.warnings] == sorted(
        warn, key=lambda r: (r["rule"], r["message"])
    )
    assert decision.decision == ("deny" if deny else "allow")
