# METADATA
# scope: subpackages
# title: Observability
# description: >-
#   Guards what running services tell their operators: every public HTTP handler counts its
#   requests in a metric, handlers log structurally and open a trace span, and service code logs
#   through structured loggers rather than print or formatted strings. Reads the observability
#   document.
package sentinel.observability

import data.sentinel.lib

# Test files by path, the conventions of extractors/testpaths.py (the files kind's is_test): a
# folder named test, tests, testing, __tests__ or testdata at any depth, and test file names.
# Tests, fixtures of tests and test apps are never services, whatever the configuration says.
_test_file_globs := [
	"**/test/**", "**/tests/**", "**/testing/**", "**/__tests__/**", "**/testdata/**",
	"**/test_*.py", "**/*_test.py", "**/tests.py", "**/conftest.py", "**/*_test.go",
	"**/*.test.*", "**/*.spec.*", "**/*_test.exs",
]

# Folders that hold no service by default (policy-as-code/data/observability.yaml says the same).
default_exempt_paths := ["**/benchmarks/**", "**/benches/**", "**/examples/**", "**/docs/**", "**/fixtures/**"]

# Whether a file is service code: under service_paths, not under exempt_paths and not a test file.
service_code(file) if {
	lib.path_in(file, lib.param("observability", "service_paths", ["**"]))
	not lib.path_in(file, lib.param("observability", "exempt_paths", default_exempt_paths))
	not lib.path_in(file, _test_file_globs)
}
