"""bank-migrate: bank's schema, run as a Job before bank starts (bank depends on it).

Creates the tables bank reads and writes and the demo account, and records the schema version.
Idempotent: a second run (a new image of bank) changes nothing that exists.
"""
import os

import psycopg2

VERSION = 1
ACCOUNT = os.environ.get("ACCOUNT_ID", "demo")

with psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=10) as conn, conn.cursor() as cur:
    cur.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
    cur.execute("CREATE TABLE IF NOT EXISTS accounts (id text PRIMARY KEY, balance numeric NOT NULL, currency text NOT NULL)")
    cur.execute(
        "CREATE TABLE IF NOT EXISTS settlements (id serial PRIMARY KEY, settled_at timestamptz NOT NULL DEFAULT now(),"
        " batch text NOT NULL, signature text NOT NULL)"
    )
    cur.execute("INSERT INTO accounts VALUES (%s, 100, 'EUR') ON CONFLICT (id) DO NOTHING", (ACCOUNT,))
    cur.execute("INSERT INTO schema_migrations (version) VALUES (%s) ON CONFLICT (version) DO NOTHING", (VERSION,))
    cur.execute("SELECT applied_at FROM schema_migrations WHERE version = %s", (VERSION,))
    print(f"bank-migrate: schema version {VERSION} (applied {cur.fetchone()[0].isoformat()}), account {ACCOUNT} ready")
