package main

deny contains sprintf("ssl is %v", [input.database.ssl]) if input.database.ssl != "true"
warn contains sprintf("port %v", [input.database.port]) if true
