# The script a competent user writes to sum a bucket's in-progress
# uploads: list_multipart_uploads, then list_parts of each upload on a
# ThreadPoolExecutor of 64 workers. Arguments: ENDPOINT BUCKET; prints the
# uploads listed and their bytes.
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

endpoint, bucket = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=endpoint, config=Config(
    max_pool_connections=64, s3={"addressing_style": "path"},
    retries={"max_attempts": 5, "mode": "standard"}))


def uploads():
    for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        yield from page.get("Uploads", [])


def size(upload):
    total = 0
    pages = s3.get_paginator("list_parts").paginate(
        Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    for page in pages:
        total += sum(part["Size"] for part in page.get("Parts", []))
    return total


with ThreadPoolExecutor(64) as pool:
    sizes = list(pool.map(size, uploads()))
print(len(sizes), sum(sizes))
