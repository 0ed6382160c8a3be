# METADATA
# title: Tests are left out
package foo_test

import rego.v1

test_a if data.foo.a == 3
