"""moto's S3-protocol server on 127.0.0.1, for the S3 storage tests and the benchmarks.

moto runs in a subprocess from its own venv (`make moto`, `.venv/moto`; moto needs botocore,
which needs python-dateutil<3, and the project pins python-dateutil 4), with its IAM checks on,
so wrong credentials are refused as S3 refuses them. No network: only the loopback address.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
MOTO_SERVER = Path(
    os.environ.get("CHART_IMG_MOTO_SERVER", ROOT / ".venv" / "moto" / "bin" / "moto_server")
)
BUCKET = "chart-img-test"
REGION = "us-east-1"
START_TIMEOUT = 30.0

# Run with moto's own Python: an IAM user allowed everything, its key, and the bucket.
_SETUP = """
import json, sys, boto3
endpoint = sys.argv[1]
kw = dict(endpoint_url=endpoint, region_name="us-east-1",
          aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam = boto3.client("iam", **kw)
iam.create_user(UserName="chart-img")
iam.put_user_policy(UserName="chart-img", PolicyName="all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="chart-img")["AccessKey"]
boto3.client("s3", **kw).create_bucket(Bucket=sys.argv[2])
print(key["AccessKeyId"], key["SecretAccessKey"])
"""


@dataclasses.dataclass(frozen=True)
class Moto:
    endpoint: str
    access_key_id: str
    secret_access_key: str

    def server_environment(self, prefix: str) -> dict[str, str | None]:
        """What a server process is started with to store its charts under `prefix` of the
        bucket (None: unset)."""
        return {
            "CHART_IMG_SERVER_STORAGE_DIR": None,
            "CHART_IMG_SERVER_STORAGE_URL": f"s3://{BUCKET}/{prefix}",
            "CHART_IMG_SERVER_S3_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_REGION": REGION,
        }


class MotoUnavailable(RuntimeError):
    """moto is not installed, or its server did not start."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def running_moto(bucket: str = BUCKET) -> Iterator[Moto]:
    """moto's S3 server on a free port of 127.0.0.1, with `bucket` and an IAM user's key
    allowed everything; every request must be signed with that key. Stopped at the end."""
    if not MOTO_SERVER.exists():
        raise MotoUnavailable(f"moto is not installed at {MOTO_SERVER}: run `make moto`")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    server = subprocess.Popen(
        [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise MotoUnavailable("moto_server did not start") from None
                time.sleep(0.1)
        python = MOTO_SERVER.parent / "python"
        made = subprocess.run(
            [str(python), "-c", _SETUP, endpoint, bucket],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        access_key_id, secret = made.stdout.split()
        # From here on, every request must be signed with a key moto's IAM knows.
        httpx.post(f"{endpoint}/moto-api/reset-auth", content=b"0", timeout=5).raise_for_status()
        yield Moto(endpoint, access_key_id, secret)
    finally:
        server.terminate()
        server.wait(timeout=10)
