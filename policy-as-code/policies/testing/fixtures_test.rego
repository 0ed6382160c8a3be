# Builders of small changes and coverage documents for the testing tests.
package sentinel.testing.fixtures_test

changed(path, status, is_test) := {
	"file": path,
	"line": 3,
	"status": status,
	"old_path": null,
	"added_lines": [3, 4],
	"added": 2,
	"removed": 0,
	"binary": false,
	"is_test": is_test,
}

changes(files) := {"kind": "changes", "compared": true, "files": files}
