package main

deny contains sprintf("registry %s is not allowed", [reg]) if {
	reg := split(input.image, "/")[0]
	not reg in data.registries.allowed
}

warn contains sprintf("team %s owns %s", [data.teams.owners[input.name], input.name]) if data.teams.owners[input.name]

deny_limit contains sprintf("cpu %d over %d", [input.cpu, data.limits.cpu]) if input.cpu > data.limits.cpu
