-- A scratch database for the verification restore (autocommit; the tool binds the name).
CREATE DATABASE {name}
