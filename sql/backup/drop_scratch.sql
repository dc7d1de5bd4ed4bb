-- Removing a scratch database (it holds a copy of personal data): FORCE ends any session left on it.
DROP DATABASE IF EXISTS {name} WITH (FORCE)
