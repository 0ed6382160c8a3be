# METADATA
# title: Bar package
# description: a subpackage
package foo.bar

import rego.v1

# METADATA
# title: Warn on latest
warn contains "latest" if endswith(input.image, ":latest")
