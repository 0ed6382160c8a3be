package main

deny contains sprintf("%v", [input.id]) if input.bad
