-- The development stand-in for Robokassa (the sandbox program, enabled
-- only by "sandbox = 1") keeps the payments it has seen here, apart from
-- the shop's data, under a role of its own.

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'amobill_sandbox') THEN
		CREATE ROLE amobill_sandbox LOGIN;
	END IF;
END
$$;

CREATE SCHEMA sandbox;
REVOKE ALL ON SCHEMA sandbox FROM PUBLIC;
GRANT USAGE ON SCHEMA sandbox TO amobill_sandbox;

CREATE TABLE sandbox.operations (
	inv_id		integer PRIMARY KEY CHECK (inv_id > 0),
	merchant_login	text NOT NULL,
	out_sum		text NOT NULL,
	description	text,
	email		text,
	receipt		text,
	shp		jsonb NOT NULL DEFAULT '{}',
	is_test		boolean NOT NULL,
	-- 5 started, 10 declined, 100 paid (OpStateExt's state codes).
	state		integer NOT NULL DEFAULT 5 CHECK (state IN (5, 10, 100)),
	created_at	timestamptz NOT NULL DEFAULT now(),
	state_at	timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON sandbox.operations TO amobill_sandbox;
