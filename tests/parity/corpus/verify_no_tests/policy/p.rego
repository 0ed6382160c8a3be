package main

deny contains "x" if input.x
