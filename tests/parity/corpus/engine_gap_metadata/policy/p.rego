package main

# METADATA
# title: T
deny contains msg if {
	meta := rego.metadata.rule()
	msg := meta.title
}
