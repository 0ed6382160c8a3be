package main

deny contains "debug" if input.DEBUG == "true"
warn contains sprintf("%v", [input]) if true
