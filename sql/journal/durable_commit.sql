-- An anchor's commit waits until its WAL is written on this server, whatever synchronous_commit the
-- database runs with: with it off, a crash loses commits already acknowledged, and a lost anchor reads
-- as a forged journal entry. 'local' never waits for a standby (a standby's absence must not stall the
-- run); the transaction is one row, so the wait is one WAL write.
SET LOCAL synchronous_commit = local
