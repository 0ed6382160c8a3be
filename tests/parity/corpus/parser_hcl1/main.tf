# Terraform 0.11
provider "aws" {
  region = "us-east-1"
}

resource "aws_s3_bucket" "logs" {
  bucket = "logs"
  acl    = "public-read"
  tags {
    env = "prod"
  }
  versioning = { enabled = true }
}

resource "aws_s3_bucket" "data" {
  acl = "private"
  policy = <<EOF
{"Version": "2012-10-17"}
EOF
}

variable "regions" { default = ["us-east-1", "eu-west-1"] }
