"""menuca-migrate server: MCP wiring, runbook guard, journal, database access, embedded PostgreSQL, CLI."""
