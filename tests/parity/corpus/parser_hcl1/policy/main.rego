package main

deny contains sprintf("bucket %s is %s", [name, b.acl]) if {
	some r in input.resource
	some buckets in r.aws_s3_bucket
	some name, bs in buckets
	some b in bs
	b.acl == "public-read"
}
warn contains sprintf("%v", [input]) if true
