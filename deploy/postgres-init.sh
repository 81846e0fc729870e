#!/bin/sh
# First start of the PostgreSQL container: a role and a database for the SQL store, and a
# separate role and database for the key store (its backups must be kept apart from the
# data's). Temporal's auto-setup creates its own databases.
set -eu
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
CREATE ROLE pathway LOGIN PASSWORD '${APP_DB_PASSWORD}';
CREATE DATABASE pathway OWNER pathway;
CREATE ROLE pathway_keys LOGIN PASSWORD '${APP_KEYS_PASSWORD}';
CREATE DATABASE pathway_keys OWNER pathway_keys;
SQL
