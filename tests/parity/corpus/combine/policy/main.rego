package main

deny contains msg if {
	some svc in input
	svc.contents.kind == "Service"
	selector := svc.contents.spec.selector.app
	not deployment_named(selector)
	msg := sprintf("%s selects app %s, which no deployment provides", [svc.path, selector])
}

deployment_named(app) if {
	some d in input
	d.contents.kind == "Deployment"
	d.contents.metadata.labels.app == app
}

warn contains sprintf("%d documents", [count(input)]) if true
