#!/bin/sh
# Creates (or upgrades) Temporal's two PostgreSQL databases and their schemas with
# temporal-sql-tool of the same version as the server, from the schemas embedded in the tool.
# Safe to run again: an existing database is kept and its schema only moves forward.
# The compose schema job and `make test-cluster` both run this script.
#
# Environment: SQL_HOST, SQL_PORT [5432], SQL_USER, SQL_PASSWORD (read by the tool itself, never on
# its command line), DBNAME [temporal], VISIBILITY_DBNAME [temporal_visibility],
# TEMPORAL_SQL_TOOL [temporal-sql-tool on PATH].
set -eu
: "${SQL_HOST:?set SQL_HOST to the PostgreSQL host}"
: "${SQL_USER:?set SQL_USER to the PostgreSQL user}"
: "${SQL_PASSWORD:?set SQL_PASSWORD to the PostgreSQL password}"
export SQL_PORT="${SQL_PORT:-5432}" SQL_PLUGIN=postgres12
tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"

setup() {
	db="$1" schema="$2"
	export SQL_DATABASE="$db"
	"$tool" create-database # keeps a database that exists
	"$tool" setup-schema -v 0.0
	"$tool" update-schema --schema-name "$schema"
	echo "database $db is at the latest $schema schema"
}

setup "${DBNAME:-temporal}" postgresql/v12/temporal
setup "${VISIBILITY_DBNAME:-temporal_visibility}" postgresql/v12/visibility
