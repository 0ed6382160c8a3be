package main

deny contains msg if {
	doc := parse_config("yaml", "replicas: 5\nname: web\n")
	doc.replicas > input.max
	msg := sprintf("%s has %d replicas", [doc.name, doc.replicas])
}

deny contains msg if {
	file := parse_config_file("../cfg/app.toml")
	file.port == input.port
	msg := sprintf("port %d taken", [file.port])
}

deny contains msg if {
	combined := parse_combined_config_files(["../cfg/app.toml", "../cfg/b.json"])
	some entry in combined
	entry.contents.x == 1
	msg := sprintf("combined %s", [entry.path])
}
