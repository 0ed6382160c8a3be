# METADATA
# scope: subpackages
# title: Policy governance
# description: >-
#   Rules about the policy set itself and what it could see. Exceptions listed in
#   data.sentinel.exceptions silence a rule (for some paths, or entirely) only while they carry a
#   reason and an expiry date that has not passed and is not too far ahead; they are checked once
#   per run, on the files document. A file an extractor could not read fully is a finding too, so
#   no finding hides in a file padded past the size limit or given one bad byte.
package sentinel.meta
