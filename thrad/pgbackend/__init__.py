"""PostgreSQL through psycopg 3, with the health check of a reused connection under the same
client-side deadline as queries (thrad/dbguard.py), so it cannot hang on a paused server."""
