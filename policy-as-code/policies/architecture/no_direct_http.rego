package sentinel.architecture.no_direct_http

import data.sentinel.imports
import data.sentinel.lib

_http_meta := {"rule": "architecture.no_direct_http"}

_http_params := lib.param("architecture", "http", {})

_http_allowed_modules := object.get(_http_params, "allowed_modules", [])

_http_exempt_paths := object.get(_http_params, "exempt_paths", [])

# Files whose direct HTTP calls are fine: an allowed module, or an exempt path (tests, scripts).
_http_allowed(file) if {
	is_string(file.module)
	lib.module_in(file.module, _http_allowed_modules)
}

_http_allowed(file) if lib.path_in(file.file, _http_exempt_paths)

_http_allowed_text := sprintf("only %s may call HTTP or socket clients", [concat(", ", _http_allowed_modules)]) if {
	count(_http_allowed_modules) > 0
}

_http_allowed_text := "no module may call HTTP or socket clients (http.allowed_modules is empty)" if {
	count(_http_allowed_modules) == 0
}

# METADATA
# title: No direct HTTP or socket clients
# description: >-
#   Internal code reaches other services through the modules that own that access (retries,
#   timeouts, authentication, tracing live there). Reports each call the imports extractor
#   matched as a direct HTTP/socket client call (requests.get, httpx.Client, urlopen,
#   aiohttp.ClientSession, socket.socket, fetch, reqwest, net/http...; HTTP servers such as
#   aiohttp.web are not clients) outside allowed_modules and exempt_paths, one finding per call.
# custom:
#   id: architecture.no_direct_http
#   severity: medium
#   input: imports
#   data:
#     - sentinel.params.architecture.http.allowed_modules
#     - sentinel.params.architecture.http.exempt_paths
#   fix: >-
#     Call the service through the module that owns HTTP access (its client wrapper) instead of
#     the HTTP or socket library.
deny_no_direct_http contains lib.finding(_http_meta, msg, call.file, call.line) if {
	input.kind == "imports"
	some file in input.files
	count(file.calls) > 0
	not _http_allowed(file)
	some call in file.calls
	not lib.excepted("architecture.no_direct_http", call.file)
	msg := sprintf(
		"%s calls %s directly (matched %q); %s. Go through the module that owns HTTP access.",
		[object.get(file, "module", call.file), call.name, call.pattern, _http_allowed_text],
	)
}

exception contains ["no_direct_http"] if {
	input.kind == "imports"
	"no_direct_http" in lib.excepted_rules("architecture")
}
