package main

warn contains "only a warning" if true
