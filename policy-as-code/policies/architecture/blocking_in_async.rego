package sentinel.architecture.blocking_in_async

import data.sentinel.imports
import data.sentinel.lib

_blocking_meta := {"rule": "architecture.blocking_in_async"}

# A pattern matches a call when "<call name>(" starts with it: "time.sleep(" is that function,
# "requests." every function of the module.
_patterns := lib.param("architecture", "blocking_calls", [])

# METADATA
# title: No blocking calls in async functions
# description: >-
#   A blocking call inside an async function stalls every task on the event loop. Reports calls
#   made directly in the body of an async function (not awaited, not in nested functions) whose
#   name matches one of blocking_calls ("time.sleep(" matches that function, "requests." would
#   match every function of the module). The defaults list calls that block, not constructors
#   (urllib.request.Request builds an object); a call on a blocking call's result
#   (requests.get(url).json()) is the same finding. Calls handed to asyncio.to_thread or
#   run_in_executor run elsewhere and are not reported.
# custom:
#   id: architecture.blocking_in_async
#   severity: high
#   input: imports
#   data:
#     - sentinel.params.architecture.blocking_calls
#   requires:
#     - sentinel.params.architecture.blocking_calls
#   fix: >-
#     Use the async equivalent (asyncio.sleep, an async HTTP client,
#     asyncio.create_subprocess_exec) or run the call in a thread (asyncio.to_thread).
deny_blocking_in_async contains lib.finding(_blocking_meta, msg, call.file, call.line) if {
	input.kind == "imports"
	some file in input.files
	some function in file.async_functions
	some call in function.calls
	call.awaited != true
	probe := concat("", [call.name, "("])
	strings.any_prefix_match(probe, _patterns)
	pattern := [p | some p in _patterns; startswith(probe, p)][0]
	not _inside_blocking_call(call.name)
	not lib.excepted("architecture.blocking_in_async", call.file)
	msg := sprintf(
		"async function %s calls %s, which blocks the event loop (matches %q). Use the async equivalent or wrap it in asyncio.to_thread.",
		[function.name, call.name, pattern],
	)
}

# A call on the result of a blocking call (requests.get(url).json()): the inner call is the
# finding, not the chain as well.
_inside_blocking_call(name) if {
	parts := split(name, "()")
	count(parts) > 1
	some n in numbers.range(1, count(parts) - 1)
	strings.any_prefix_match(concat("", [concat("()", array.slice(parts, 0, n)), "("]), _patterns)
}

exception contains ["blocking_in_async"] if {
	input.kind == "imports"
	"blocking_in_async" in lib.excepted_rules("architecture")
}
