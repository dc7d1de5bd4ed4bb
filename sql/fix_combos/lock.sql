-- No concurrent insert may create a duplicate (group, dish) pair while the repair runs: SHARE ROW
-- EXCLUSIVE blocks other writers of combo_items (readers go on), taken with a short lock_timeout.
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '10min';
LOCK TABLE menuca_v3.combo_items IN SHARE ROW EXCLUSIVE MODE;
