package main

deny contains "token is not set" if input.app.token == "<<unknown value>>"
warn contains sprintf("%v", [input]) if true
