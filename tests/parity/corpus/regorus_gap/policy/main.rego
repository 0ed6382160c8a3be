package main

# net.cidr_merge and regex.globs_match are OPA builtins regorus 0.13 lacks: `--engine opa` runs it.
deny contains sprintf("allow-list %v is not merged", [input.cidrs]) if net.cidr_merge(input.cidrs) != input.cidrs

warn contains "globs overlap" if regex.globs_match(input.globs[0], input.globs[1])
