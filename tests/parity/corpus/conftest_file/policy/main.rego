package main

warn contains sprintf("name=%s", [data.conftest.file.name]) if true
