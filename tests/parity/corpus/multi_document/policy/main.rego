package main

deny contains sprintf("%s: %s has no owner", [input.kind, input.metadata.name]) if not input.metadata.owner
