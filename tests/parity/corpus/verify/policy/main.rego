package main

deny contains "root" if input.user == "root"
