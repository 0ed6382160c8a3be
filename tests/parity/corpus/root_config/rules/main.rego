package main

deny contains "bad" if input.bad
