package k8s.services

violation contains "services say no" if input.bad
