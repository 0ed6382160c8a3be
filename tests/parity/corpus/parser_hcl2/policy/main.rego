package main

deny contains sprintf("bucket %s is %s", [name, b.acl]) if {
	some name, bs in input.resource.aws_s3_bucket
	some b in bs
	b.acl == "public-read"
}
warn contains sprintf("%v", [input.resource]) if true
