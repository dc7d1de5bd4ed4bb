-- Fresh statistics after the repair's commit for a table it grew (the tool binds the name).
ANALYZE menuca_v3.{table}
