package main

deny contains "debug is on" if input.server.debug
warn contains sprintf("port %v", [input.server.port]) if true
