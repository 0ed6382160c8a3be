package sentinel.testing.async_sleep

import data.sentinel.lib

_meta := {"rule": "testing.async_sleep"}

_core_tests := lib.param("testing", "core_test_paths", ["**"])

_sleeping_async := [{"test": t, "sleep": s} |
	input.kind == "tests"
	some t in input.tests
	t.async
	some s in t.sleeps
]

_message(t, s) := sprintf(
	"async test %s sleeps (%s); sleeps make async tests slow and flaky. Await the event, task or future instead, or use a fake clock.",
	[t.name, s.name],
)

# METADATA
# title: Async tests do not sleep
# description: >-
#   A sleep call (the tests extractor's sleep_calls: time.sleep, asyncio.sleep, setTimeout, ...)
#   in an async test makes it slow and racy. Denied in core test paths (core_test_paths), a
#   warning elsewhere.
# custom:
#   id: testing.async_sleep
#   severity: medium
#   input: tests
#   data:
#     - sentinel.params.testing.core_test_paths
#   fix: >-
#     Wait for the event instead of sleeping: await the task or future, use an event or condition,
#     or a fake clock.
deny_async_sleep contains lib.finding(_meta, _message(t, s), s.file, s.line) if {
	some hit in _sleeping_async
	t := hit.test
	s := hit.sleep
	lib.path_in(t.file, _core_tests)
	not lib.excepted("testing.async_sleep", t.file)
}

# METADATA
# title: Async tests do not sleep
# description: >-
#   The same check as deny_async_sleep for async tests outside core_test_paths: a warning.
# custom:
#   id: testing.async_sleep
#   severity: low
#   input: tests
#   data:
#     - sentinel.params.testing.core_test_paths
#   fix: >-
#     Wait for the event instead of sleeping: await the task or future, use an event or condition,
#     or a fake clock.
warn_async_sleep contains lib.finding(_meta, _message(t, s), s.file, s.line) if {
	some hit in _sleeping_async
	t := hit.test
	s := hit.sleep
	not lib.path_in(t.file, _core_tests)
	not lib.excepted("testing.async_sleep", t.file)
}

exception contains ["async_sleep"] if {
	input.kind == "tests"
	"async_sleep" in lib.excepted_rules("testing")
}
