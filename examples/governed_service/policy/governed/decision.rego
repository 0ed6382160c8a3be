# The governed service's decision policy (package sentinel.decision, conftest's deny convention).
package sentinel.decision

import rego.v1

deny contains {"rule": "session.blocked", "message": "this subject may not start a session", "weight": 10000} if {
	input.action == "session.start"
	input.subject in data.governed.blocked_subjects
}

deny contains {"rule": "session.scope", "message": "a session may not ask for this scope", "weight": 8000} if {
	input.action == "session.start"
	some scope in input.context.scopes
	not scope in data.governed.grantable_scopes
}

deny contains {"rule": "chat.scope", "message": "streaming chat needs the chat:read scope", "weight": 6000} if {
	input.context.route == "/v1/chat/stream"
	not "chat:read" in input.context.scopes
}

deny contains {"rule": "training.admin", "message": "training mode needs the admin:training scope", "weight": 10000} if {
	input.action in {"training.enable", "training.disable"}
	not "admin:training" in input.context.scopes
}
