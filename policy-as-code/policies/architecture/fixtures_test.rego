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

# Like py, with each import given as [target, kind] (third_party, stdlib, first_party).
py_kinds(module, imports) := object.union(py(module, []), {"imports": [{
	"file": path(module),
	"line": i + 1,
	"target": imp[0],
	"names": [],
	"modules": [imp[0]],
	"kind": imp[1],
	"syntax": "import",
} |
	some i, imp in imports
]})

path(module) := concat("", [replace(module, ".", "/"), ".py"])

doc(files) := {"kind": "imports", "schema_version": 1, "root": ".", "revision": null, "files": files, "problems": []}

# {"module": [imported modules]} -> an imports document.
graph_doc(g) := doc([py(m, ts) | some m, ts in g])
