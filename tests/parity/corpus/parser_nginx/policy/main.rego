package main

deny contains "server_tokens must be off" if {
	some http in input.directives
	http.name == "http"
	some server in http.block.directives
	server.name == "server"
	some d in server.block.directives
	d.name == "server_tokens"
	d.parameters[0] == "on"
}
warn contains sprintf("%v", [input]) if true
