# METADATA
# scope: subpackages
# title: Policy governance
# description: >-
#   Rules about the policy set itself. Exceptions listed in data.sentinel.exceptions silence a
#   rule (for some paths, or entirely) only while they carry a reason and an expiry date that has
#   not passed and is not too far ahead. They are checked once per run, on the files document.
package sentinel.meta
