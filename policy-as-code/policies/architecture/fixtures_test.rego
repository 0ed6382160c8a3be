# Builders of small imports documents for the architecture tests.
package sentinel.architecture.fixtures_test

# A Python file of module `module` importing each module of `targets` on lines 1, 2, ...
py(module, targets) := {
	"file": path(module),
	"language": "python",
	"module": module,
	"imports": [{
		"file": path(module),
		"line": i + 1,
		"target": t,
		"names": [],
		"modules": [t],
		"kind": "first_party",
		"syntax": "import",
	} |
		some i, t in targets
	],
	"calls": [],
	"async_functions": [],
}

path(module) := concat("", [replace(module, ".", "/"), ".py"])

doc(files) := {"kind": "imports", "schema_version": 1, "root": ".", "revision": null, "files": files, "problems": []}

# {"module": [imported modules]} -> an imports document.
graph_doc(g) := doc([py(m, ts) | some m, ts in g])
