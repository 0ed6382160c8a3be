package main

deny contains sprintf("timeout is %s", [input[":timeout"]]) if startswith(input[":timeout"], "#duration ")
warn contains sprintf("%v", [input]) if true
