package k8s.pods

deny contains "pods say no" if input.bad
warn contains "pods warn" if true
