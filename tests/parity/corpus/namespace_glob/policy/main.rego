package main

deny contains "main says no" if input.bad
