"""menuca-migrate tools: one module per runbook step, plain functions over injected handles."""
