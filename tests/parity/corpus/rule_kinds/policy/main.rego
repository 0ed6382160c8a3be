package main

deny contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("%s must not run as root", [input.metadata.name])
}

deny_images contains {"msg": sprintf("image %s uses latest", [c.image]), "severity": "high"} if {
	some c in input.spec.template.spec.containers
	endswith(c.image, ":latest")
}

violation contains {"msg": "replicas below 2", "details": {"replicas": input.spec.replicas}} if {
	input.spec.replicas < 2
}

warn contains "no team label" if not input.metadata.labels.team

warn_missing_limits contains msg if {
	some c in input.spec.template.spec.containers
	not c.resources.limits
	msg := sprintf("container %s has no limits", [c.name])
}

deny_never contains "never" if false
