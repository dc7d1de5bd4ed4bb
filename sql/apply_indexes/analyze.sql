-- Fresh statistics for a table that gained indexes, so the planner uses them at once.
ANALYZE menuca_v3.{table}
