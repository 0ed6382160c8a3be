# Risk classification of one agent step: a decision table held as data.
#
# Input: {"prompt_type", "confidence", "action", "session_tags"} (strings, and an array of strings).
# Output: data.sentinel.risk.result = {"level", "row", "reasons"}.
#
# How the table is read (docs/runtime.md, "Risk classification", says why):
#   - Values are matched exactly: lower-case snake_case, no case folding, no spelling variants.
#   - A missing, mistyped or unknown action, confidence or prompt_type (or session_tags that is
#     not an array of strings) answers CRITICAL from row R0-invalid-input; session tags do not
#     lower it.
#   - When several rows match, the highest level wins; among rows of that level, the first in
#     table order is the row reported.
#   - Then the session tags: critical_session raises the level to at least HIGH (S1),
#     safe_session lowers it to at most MEDIUM (S2); with both, only the floor applies (S3).
#
# Only builtins that OPA, regorus and OPA's Wasm compiler all have are used.
package sentinel.risk

# Risk levels, lowest first.
levels := ["none", "low", "medium", "high", "critical"]

# Confidence values, lowest first.
confidences := ["low", "medium", "high"]

actions := {"execute", "auto_respond", "require_human", "skip", "log_only"}

prompt_types := {"question", "instruction", "confirm", "destructive_confirm", "other"}

# The decision table. A row matches when, for every field in `when`, the input's value is in
# the listed values; a field a row does not name matches anything.
rows := [
	{
		"id": "R1-execute-below-high",
		"level": "critical",
		"when": {"action": ["execute"], "confidence": ["low", "medium"]},
		"reason": "action execute with confidence below high",
	},
	{
		"id": "R2-destructive-confirm",
		"level": "critical",
		"when": {"prompt_type": ["destructive_confirm"]},
		"reason": "prompt type destructive_confirm, at any confidence",
	},
	{
		"id": "R3-execute-high",
		"level": "high",
		"when": {"action": ["execute"], "confidence": ["high"]},
		"reason": "action execute with confidence high",
	},
	{
		"id": "R4-auto-respond-below-high",
		"level": "high",
		"when": {"action": ["auto_respond"], "confidence": ["low", "medium"]},
		"reason": "action auto_respond with confidence below high",
	},
	{
		"id": "R5-auto-respond-high",
		"level": "medium",
		"when": {"action": ["auto_respond"], "confidence": ["high"]},
		"reason": "action auto_respond with confidence high",
	},
	{
		"id": "R6-require-human-below-medium",
		"level": "medium",
		"when": {"action": ["require_human"], "confidence": ["low"]},
		"reason": "action require_human with confidence below medium",
	},
	{
		"id": "R7-require-human-medium-or-above",
		"level": "low",
		"when": {"action": ["require_human"], "confidence": ["medium", "high"]},
		"reason": "action require_human with confidence medium or above",
	},
	{
		"id": "R8-skip",
		"level": "low",
		"when": {"action": ["skip"]},
		"reason": "action skip",
	},
	{
		"id": "R9-log-only",
		"level": "none",
		"when": {"action": ["log_only"]},
		"reason": "action log_only",
	},
]

invalid_input_row := {"id": "R0-invalid-input", "level": "critical"}

session_rules := {
	"floor": {"id": "S1-critical-session-floor", "tag": "critical_session", "level": "high"},
	"ceiling": {"id": "S2-safe-session-ceiling", "tag": "safe_session", "level": "medium"},
	"both": {"id": "S3-floor-wins"},
}

_rank := {level: i | some i, level in levels}

# The input's fields, null when missing. (When input.x is undefined, OPA fails `not f(input.x)`
# where regorus succeeds; reading each field once with a default makes both engines agree.)
default _action := null

_action := input.action

default _confidence := null

_confidence := input.confidence

default _prompt_type := null

_prompt_type := input.prompt_type

# Why the input cannot be classified, one reason per field; empty when it can. The reasons name
# the accepted values, never the value received (it may be long, or a secret).
invalid contains _not_one_of("action", sort(actions)) if not _known(_action, actions)

invalid contains _not_one_of("confidence", confidences) if not _known(_confidence, {c | some c in confidences})

invalid contains _not_one_of("prompt_type", sort(prompt_types)) if not _known(_prompt_type, prompt_types)

invalid contains "session_tags is not an array of strings" if not _tags_valid

_not_one_of(field, values) := sprintf("%s is missing or not one of %s", [field, concat(", ", values)])

_known(value, allowed) if {
	is_string(value)
	value in allowed
}

default _session_tags := null

_session_tags := input.session_tags

_tags_valid if _session_tags == null

_tags_valid if {
	is_array(_session_tags)
	every tag in _session_tags {
		is_string(tag)
	}
}

_tags := {tag | is_array(_session_tags); some tag in _session_tags; is_string(tag)}

_fields := {"action": _action, "confidence": _confidence, "prompt_type": _prompt_type}

_matches(row) if {
	every field, allowed in row.when {
		_fields[field] in allowed
	}
}

_matched := [row | some row in rows; _matches(row)]

_base_rank := max({_rank[row.level] | some row in _matched})

_winners := [row | some row in _matched; _rank[row.level] == _base_rank]

_row_reasons := [sprintf("%s: %s", [row.id, row.reason]) | some row in _winners]

_floor := session_rules.floor

_ceiling := session_rules.ceiling

_has_floor if _floor.tag in _tags

_has_ceiling if _ceiling.tag in _tags

_final_rank := max({_base_rank, _rank[_floor.level]}) if _has_floor

_final_rank := min({_base_rank, _rank[_ceiling.level]}) if {
	not _has_floor
	_has_ceiling
}

_final_rank := _base_rank if {
	not _has_floor
	not _has_ceiling
}

_tag_reasons contains sprintf("%s: session tag %s raises the level from %s to %s", [
	_floor.id, _floor.tag, levels[_base_rank], levels[_final_rank],
]) if {
	_has_floor
	_final_rank != _base_rank
}

_tag_reasons contains sprintf("%s: session tag %s lowers the level from %s to %s", [
	_ceiling.id, _ceiling.tag, levels[_base_rank], levels[_final_rank],
]) if {
	not _has_floor
	_has_ceiling
	_final_rank != _base_rank
}

_tag_reasons contains sprintf("%s: session tag %s is ignored because %s is present", [
	session_rules.both.id, _ceiling.tag, _floor.tag,
]) if {
	_has_floor
	_has_ceiling
}

result := {
	"level": invalid_input_row.level,
	"row": invalid_input_row.id,
	"reasons": sort([sprintf("%s: %s", [invalid_input_row.id, reason]) | some reason in invalid]),
} if {
	count(invalid) > 0
} else := {
	"level": levels[_final_rank],
	"row": _winners[0].id,
	"reasons": array.concat(_row_reasons, sort([reason | some reason in _tag_reasons])),
} if {
	count(_winners) > 0
} else := {
	# Unreachable with the rows above (every action has a row); keeps an edited table failing closed.
	"level": invalid_input_row.level,
	"row": invalid_input_row.id,
	"reasons": [sprintf("%s: no row of the table matches", [invalid_input_row.id])],
}
