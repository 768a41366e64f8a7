# Source me: starts the real services that are down and exports the env that points at them.
# Used by .ci/run, and by developers who want the production components locally:
#   source .ci/env.sh && make test
_ci_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
_repo="$(dirname "$_ci_dir")"

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  rabbitmq-server -detached || true
  for _ in $(seq 60); do (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break; sleep 1; done
fi

export S3_TEST_PORT="${S3_TEST_PORT:-8333}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-thradci}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-thradci-secret-key}"
if ! (exec 3<>/dev/tcp/127.0.0.1/"$S3_TEST_PORT") 2>/dev/null; then
  "$_repo/.ci/seaweedfs.sh" start
fi

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"
export REDIS_URL="redis://127.0.0.1:6379/0"
export CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:5672//"
export CELERY_RESULT_BACKEND="redis://127.0.0.1:6379/1"
export STORAGE_BACKEND="s3"
export AWS_S3_ENDPOINT_URL="http://127.0.0.1:$S3_TEST_PORT"
export AWS_STORAGE_BUCKET_NAME="${AWS_STORAGE_BUCKET_NAME:-thrad}"  # tests and benches use their own bucket
