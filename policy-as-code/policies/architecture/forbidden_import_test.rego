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

test_indirect_import_passes_by_default if {
	count(forbidden_import.deny_forbidden_import) == 0 with input as _indirect
		with data.sentinel.params.architecture.forbidden as [_contract]
}

test_indirect_import_is_denied_when_indirect_is_set if {
	contract := object.union(_contract, {"indirect": true})
	findings := forbidden_import.deny_forbidden_import with input as _indirect
		with data.sentinel.params.architecture.forbidden as [contract]
	count(findings) == 1
	some f in findings
	f._loc.file == "app/util/helpers.py"
	contains(f.msg, "indirect")
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
