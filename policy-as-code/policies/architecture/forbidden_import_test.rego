package sentinel.architecture.forbidden_import_test

import data.sentinel.architecture.fixtures_test as fx
import data.sentinel.architecture.forbidden_import

_contract := {"name": "core is independent of web", "source_modules": ["app.core"], "forbidden_modules": ["app.web"]}

_direct := fx.graph_doc({"app.core.models": ["app.web.views"], "app.web.views": ["app.core.models"]})

_indirect := fx.graph_doc({"app.core.models": ["app.util.helpers"], "app.util.helpers": ["app.web.views"], "app.web.views": []})

test_direct_import_of_forbidden_module_is_denied if {
	findings := forbidden_import.deny_forbidden_import with input as _direct
		with data.sentinel.params.architecture.forbidden as [_contract]
	count(findings) == 1
	some f in findings
	f.rule == "architecture.forbidden_import"
	f._loc == {"file": "app/core/models.py", "line": 1}
	contains(f.msg, "app.core.models imports app.web.views")
}

test_import_in_the_allowed_direction_passes if {
	doc := fx.graph_doc({"app.web.views": ["app.core.models"], "app.core.models": []})
	count(forbidden_import.deny_forbidden_import) == 0 with input as doc
		with data.sentinel.params.architecture.forbidden as [_contract]
}

test_forbidden_modules_in_data_decide_the_verdict if {
	other := object.union(_contract, {"forbidden_modules": ["app.cli"]})
	count(forbidden_import.deny_forbidden_import) == 0 with input as _direct
		with data.sentinel.params.architecture.forbidden as [other]
}

test_source_modules_in_data_decide_the_verdict if {
	other := object.union(_contract, {"source_modules": ["app.cli"]})
	count(forbidden_import.deny_forbidden_import) == 0 with input as _direct
		with data.sentinel.params.architecture.forbidden as [other]
}

test_indirect_import_is_denied_by_default_as_in_import_linter if {
	findings := forbidden_import.deny_forbidden_import with input as _indirect
		with data.sentinel.params.architecture.forbidden as [_contract]
	count(findings) == 1
	some f in findings
	f._loc.file == "app/util/helpers.py"
	contains(f.msg, "indirect")
	startswith(f.msg, "app.util.helpers imports app.web.views")
}

test_allow_indirect_imports_checks_direct_imports_only if {
	contract := object.union(_contract, {"allow_indirect_imports": true})
	count(forbidden_import.deny_forbidden_import) == 0 with input as _indirect
		with data.sentinel.params.architecture.forbidden as [contract]
}

test_indirect_false_checks_direct_imports_only if {
	contract := object.union(_contract, {"indirect": false})
	count(forbidden_import.deny_forbidden_import) == 0 with input as _indirect
		with data.sentinel.params.architecture.forbidden as [contract]
}

# app.domain.repo imports redis (third party) and app.domain.cache imports it through app.infra.
_external := fx.doc([
	fx.py_kinds("app.domain.repo", [["redis", "third_party"]]),
	fx.py_kinds("app.domain.cache", [["app.infra.store", "first_party"]]),
	fx.py_kinds("app.infra.store", [["redis.asyncio", "third_party"], ["socket", "stdlib"]]),
])

_no_redis := {"name": "domain is pure", "source_modules": ["app.domain"], "forbidden_modules": ["redis"]}

test_third_party_forbidden_module_is_denied_directly_and_indirectly if {
	findings := forbidden_import.deny_forbidden_import with input as _external
		with data.sentinel.params.architecture.forbidden as [_no_redis]
	{f._loc.file | some f in findings} == {"app/domain/repo.py", "app/infra/store.py"}
}

test_stdlib_forbidden_module_is_denied if {
	contract := {"name": "no sockets", "source_modules": ["app.infra"], "forbidden_modules": ["socket"]}
	findings := forbidden_import.deny_forbidden_import with input as _external
		with data.sentinel.params.architecture.forbidden as [contract]
	count(findings) == 1
	some f in findings
	f._loc == {"file": "app/infra/store.py", "line": 2}
}

test_as_packages_false_matches_the_named_module_only if {
	contract := object.union(_no_redis, {"as_packages": false, "source_modules": ["app.infra.store"]})
	count(forbidden_import.deny_forbidden_import) == 0 with input as _external
		with data.sentinel.params.architecture.forbidden as [contract]
}

test_ignore_imports_skips_a_known_import if {
	contract := object.union(_contract, {"ignore_imports": ["app.core.* -> app.web.views"]})
	count(forbidden_import.deny_forbidden_import) == 0 with input as _direct
		with data.sentinel.params.architecture.forbidden as [contract]
}

test_package_name_covers_modules_inside_it_but_not_prefix_lookalikes if {
	doc := fx.graph_doc({"app.core.models": ["app.webhooks.x"], "app.webhooks.x": []})
	count(forbidden_import.deny_forbidden_import) == 0 with input as doc
		with data.sentinel.params.architecture.forbidden as [_contract]
}

test_path_exception_with_reason_and_expiry_silences_the_finding if {
	exceptions := [{"rule": "architecture.forbidden_import", "paths": ["app/core/**"], "reason": "split in progress", "expires": "2030-01-31"}]
	count(forbidden_import.deny_forbidden_import) == 0 with input as _direct
		with data.sentinel.params.architecture.forbidden as [_contract]
		with data.sentinel.exceptions as exceptions
		with time.now_ns as 0
}

test_expired_exception_does_not_silence_the_finding if {
	exceptions := [{"rule": "architecture.forbidden_import", "paths": ["app/core/**"], "reason": "split in progress", "expires": "2020-01-31"}]
	count(forbidden_import.deny_forbidden_import) == 1 with input as _direct
		with data.sentinel.params.architecture.forbidden as [_contract]
		with data.sentinel.exceptions as exceptions
}

test_other_documents_are_ignored if {
	count(forbidden_import.deny_forbidden_import) == 0 with input as object.union(_direct, {"kind": "files"})
		with data.sentinel.params.architecture.forbidden as [_contract]
}
