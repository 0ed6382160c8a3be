package main

x := 1 if input.a
x := 2 if input.b
deny contains "x" if x
