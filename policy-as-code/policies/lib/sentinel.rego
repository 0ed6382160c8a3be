# METADATA
# title: Sentinel policy library
# description: >-
#   Helpers every Sentinel rule shares: the result object (message, location and the rule's
#   metadata), the rule parameters under data.sentinel.params, path globs that behave the same
#   under regorus and OPA, and the exceptions listed under data.sentinel.exceptions.
package sentinel.lib

# The parameters of one category: data.sentinel.params.<category>, or {} when none are loaded.
params(category) := p if {
	p := data.sentinel.params[category]
} else := {}

# One parameter with a default: params(category)[key], or default_value when it is not set.
param(category, key, default_value) := object.get(params(category), key, default_value)

# A result in the shape every output format and the bot read. meta holds the rule id (and a
# severity only when the rule computes one); `sentinel check` adds title, description, fix and
# severity from the rule's annotations. file and line locate the finding (line 0 or null when
# there is none), so msg does not repeat them.
finding(meta, msg, file, line) := object.union(meta, {
	"msg": msg,
	"_loc": {"file": file, "line": line},
})

# A result about the repository as a whole (no file to point at).
finding_nowhere(meta, msg) := object.union(meta, {"msg": msg})

# Whether a repository path matches a glob: `*` and `?` stay inside one folder, `**` spans
# folders. `**/` also matches no folder at all, the same under regorus and OPA.
path_match(pattern, path) if glob.match(pattern, ["/"], path)

path_match(pattern, path) if {
	startswith(pattern, "**/")
	glob.match(substring(pattern, 3, -1), ["/"], path)
}

path_match(pattern, path) if {
	contains(pattern, "/**/")
	glob.match(replace(pattern, "/**/", "/"), ["/"], path)
}

path_match(pattern, path) if {
	endswith(pattern, "/**")
	startswith(path, substring(pattern, 0, count(pattern) - 2))
}

# Whether path matches any of the globs.
path_in(path, patterns) if {
	some pattern in patterns
	path_match(pattern, path)
}

# Whether a module is prefix itself or lies inside it. Module names use the separator of their
# language: "." (Python, Elixir), "::" (Rust) or "/" (Go, JavaScript); a.b is inside a, ab is not.
module_prefix_match(module, prefix) if module == prefix

module_prefix_match(module, prefix) if {
	some sep in [".", "::", "/"]
	startswith(module, concat("", [prefix, sep]))
}

# Whether a module is one of (or inside one of) the listed modules or packages.
module_in(module, prefixes) if {
	some prefix in prefixes
	module_prefix_match(module, prefix)
}

# Group [key, value] pairs into {key: [value, ...]} (values sorted). One sort, then linear: Rego
# has no mutable maps, and filtering the pairs once per key would be quadratic.
group_by(pairs) := grouped if {
	sorted := sort(pairs)
	keys := [p[0] | some p in sorted]
	previous := array.concat([null], keys)
	starts := [i | some i, k in keys; previous[i] != k]
	ends := array.concat(array.slice(starts, 1, count(starts)), [count(sorted)])
	grouped := {keys[s]: [p[1] | some p in array.slice(sorted, s, ends[j])] | some j, s in starts}
}

# ---- Exceptions ------------------------------------------------------------------------------
# data.sentinel.exceptions is a list of {rule, paths?, reason, expires}. An exception applies
# only while it has a reason and an expiry date (YYYY-MM-DD, or RFC 3339) that has not passed;
# sentinel.meta denies the ones that do not.

exception_entries := entries if {
	entries := data.sentinel.exceptions
} else := []

_date_only := `^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`

_rfc3339 := `^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$`

# The last instant (ns since the epoch) a date still counts: the end of the day for a date.
expiry_ns(value) := ns if {
	is_string(value)
	regex.match(_date_only, value)
	ns := time.parse_ns("2006-01-02", value) + ((24 * 3600) * 1000000000)
}

expiry_ns(value) := ns if {
	is_string(value)
	regex.match(_rfc3339, value)
	ns := time.parse_rfc3339_ns(value)
}

valid_date(value) if expiry_ns(value)

expired(value) if time.now_ns() >= expiry_ns(value)

has_reason(entry) if {
	is_string(entry.reason)
	trim_space(entry.reason) != ""
}

active_exception(entry) if {
	has_reason(entry)
	valid_date(entry.expires)
	not expired(entry.expires)
}

# Whether a finding of rule id on path is covered by an active exception with paths.
excepted(rule_id, path) if {
	some entry in exception_entries
	entry.rule == rule_id
	is_array(entry.paths)
	active_exception(entry)
	path_in(path, entry.paths)
}

# Rule ids switched off in configuration (conftest.yml `disable`, data.sentinel.disabled).
disabled_rules := rules if {
	rules := data.sentinel.disabled
} else := []

# Rule names (without deny_/warn_) of a category package that an active exception without paths
# or the configuration's `disable` list switches off entirely: feed them to conftest's `exception`
# rule, so that a rule switched off is still reported (as an exception), never silently absent.
excepted_rules(category) := _excepted_by_entry(category) | _disabled_in(category)

_disabled_in(category) := {name |
	some id in disabled_rules
	is_string(id)
	parts := split(id, ".")
	count(parts) == 2
	parts[0] == category
	name := parts[1]
}

_excepted_by_entry(category) := {name |
	some entry in exception_entries
	object.get(entry, "paths", null) == null
	active_exception(entry)
	parts := split(entry.rule, ".")
	count(parts) == 2
	parts[0] == category
	name := parts[1]
}
