package main

warn contains sprintf("%v", [input]) if true
