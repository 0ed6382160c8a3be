package sentinel.lib_test

import data.sentinel.lib

test_dir_glob_matches_everything_below_the_folder if {
	lib.path_match("app/**", "app/a/b.py")
	lib.path_match("app/**", "app/b.py")
	not lib.path_match("app/**", "application/b.py")
}

test_star_stays_inside_one_folder if {
	lib.path_match("app/*.py", "app/b.py")
	not lib.path_match("app/*.py", "app/a/b.py")
}

test_leading_double_star_also_matches_no_folder if {
	lib.path_match("**/test_*.py", "test_a.py")
	lib.path_match("**/test_*.py", "tests/unit/test_a.py")
}

test_inner_double_star_also_matches_no_folder if {
	lib.path_match("app/**/views.py", "app/views.py")
	lib.path_match("app/**/views.py", "app/web/views.py")
}

test_module_prefix_covers_submodules_not_lookalikes if {
	lib.module_in("app.core.models", ["app.core"])
	lib.module_in("app.core", ["app.core"])
	not lib.module_in("app.corelib", ["app.core"])
	lib.module_in("crate::db::pool", ["crate::db"])
	lib.module_in("github.com/acme/svc/db", ["github.com/acme/svc"])
}

test_group_by_groups_values_by_key if {
	lib.group_by([["b", 2], ["a", 1], ["b", 1]]) == {"a": [1], "b": [1, 2]}
	lib.group_by([]) == {}
}

test_params_default_to_an_empty_object if {
	lib.params("nope") == {} with data.sentinel.params as {}
	lib.param("nope", "key", 3) == 3 with data.sentinel.params as {}
	lib.param("cat", "key", 3) == 5 with data.sentinel.params as {"cat": {"key": 5}}
}

test_finding_carries_message_location_and_metadata if {
	f := lib.finding({"rule": "x.y", "category": "x", "severity": "low", "fix": "f"}, "m", "a.py", 3)
	f == {"rule": "x.y", "category": "x", "severity": "low", "fix": "f", "msg": "m", "_loc": {"file": "a.py", "line": 3}}
}

test_date_expiry_lasts_until_the_end_of_the_day if {
	lib.expiry_ns("2026-01-01") == 1767312000000000000
	not lib.expired("2026-01-01") with time.now_ns as 1767311999000000000
	lib.expired("2026-01-01") with time.now_ns as 1767312000000000000
}

test_out_of_range_dates_are_not_dates if {
	not lib.valid_date("2026-13-01")
	not lib.valid_date("2999-01-01")
	not lib.valid_date(20260101)
}

test_excepted_needs_an_active_exception_for_the_path if {
	entry := {"rule": "a.b", "paths": ["x/**"], "reason": "r", "expires": "2026-02-01"}
	lib.excepted("a.b", "x/y.py") with data.sentinel.exceptions as [entry] with time.now_ns as 0
	not lib.excepted("a.b", "z/y.py") with data.sentinel.exceptions as [entry] with time.now_ns as 0
	not lib.excepted("a.c", "x/y.py") with data.sentinel.exceptions as [entry] with time.now_ns as 0
	not lib.excepted("a.b", "x/y.py") with data.sentinel.exceptions as [object.remove(entry, ["reason"])] with time.now_ns as 0
}

test_exception_without_paths_switches_the_rule_off if {
	entry := {"rule": "a.b", "reason": "r", "expires": "2026-02-01"}
	lib.excepted_rules("a") == {"b"} with data.sentinel.exceptions as [entry] with time.now_ns as 0
	lib.excepted_rules("c") == set() with data.sentinel.exceptions as [entry] with time.now_ns as 0
}

test_disabled_rule_is_switched_off_in_its_category_only if {
	lib.excepted_rules("a") == {"b"} with data.sentinel.disabled as ["a.b", "c.d"]
	lib.excepted_rules("x") == set() with data.sentinel.disabled as ["a.b", "c.d"]
}

test_disabled_ignores_malformed_ids if {
	lib.excepted_rules("a") == set() with data.sentinel.disabled as [3, "a", "a.b.c"]
}
