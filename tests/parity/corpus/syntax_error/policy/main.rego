package main

deny contains "x" if {
