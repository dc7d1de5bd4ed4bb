-- Whether this database has the anchor table (a database no run has written to yet has none).
SELECT to_regclass('menuca_migrate.journal_anchor') IS NOT NULL AS present
