package main

deny contains sprintf("%s is public", [input.name]) if input.public
