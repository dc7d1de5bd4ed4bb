"""I/O around the runbook: the guard pipeline, locks, probes, the step runtime, recording, operator actions, status, and the registry (the composition root)."""
