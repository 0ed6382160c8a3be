package sentinel.architecture.blocking_in_async_test

import data.sentinel.architecture.blocking_in_async
import data.sentinel.architecture.fixtures_test as fx

_doc(name, awaited) := fx.doc([object.union(fx.py("app.worker", []), {"async_functions": [{
	"file": "app/worker.py",
	"name": "poll",
	"line": 3,
	"end_line": 9,
	"calls": [{"file": "app/worker.py", "line": 5, "name": name, "awaited": awaited}],
}]})])

_findings(doc, patterns) := f if {
	f := blocking_in_async.deny_blocking_in_async with input as doc
		with data.sentinel.params.architecture.blocking_calls as patterns
}

test_blocking_call_in_async_function_is_denied if {
	findings := _findings(_doc("time.sleep", false), ["time.sleep("])
	count(findings) == 1
	some f in findings
	f.rule == "architecture.blocking_in_async"
	f._loc == {"file": "app/worker.py", "line": 5}
	contains(f.msg, "async function poll calls time.sleep")
}

test_awaited_call_passes if {
	count(_findings(_doc("asyncio.sleep", true), ["time.sleep(", "asyncio.sleep("])) == 0
}

test_module_prefix_pattern_matches_every_function_of_the_module if {
	count(_findings(_doc("requests.post", false), ["requests."])) == 1
}

test_exact_pattern_does_not_match_a_longer_name if {
	count(_findings(_doc("time.sleepy", false), ["time.sleep("])) == 0
}

test_blocking_calls_in_data_decide_the_verdict if {
	count(_findings(_doc("time.sleep", false), ["subprocess.run("])) == 0
}

test_a_call_on_a_blocking_calls_result_is_one_finding if {
	doc := fx.doc([object.union(fx.py("app.worker", []), {"async_functions": [{
		"file": "app/worker.py",
		"name": "poll",
		"line": 3,
		"end_line": 9,
		"calls": [
			{"file": "app/worker.py", "line": 5, "name": "requests.get", "awaited": false},
			{"file": "app/worker.py", "line": 5, "name": "requests.get().json", "awaited": false},
		],
	}]})])
	findings := blocking_in_async.deny_blocking_in_async with input as doc
	count(findings) == 1
	some f in findings
	contains(f.msg, "calls requests.get,")
	startswith(f.msg, "async function poll")
}

test_default_patterns_skip_building_a_request if {
	count(blocking_in_async.deny_blocking_in_async) == 0 with input as _doc("urllib.request.Request", false)
}

test_default_patterns_report_urlopen if {
	count(blocking_in_async.deny_blocking_in_async) == 1 with input as _doc("urllib.request.urlopen", false)
}
