package main

deny_privileged contains "privileged container" if input.privileged
deny_host_network contains "host network" if input.hostNetwork
warn_no_probe contains "no readiness probe" if not input.probe

exception contains rules if {
	input.name == "node-exporter"
	rules := ["host_network", "no_probe"]
}
