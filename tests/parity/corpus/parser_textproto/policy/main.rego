package main

deny contains sprintf("%s listens on plain port %d", [input.host_name, input.port]) if not input.tls
deny contains "mode must be FAST" if input.mode != "FAST"
warn contains sprintf("%v", [input]) if true
