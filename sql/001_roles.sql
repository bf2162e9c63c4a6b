-- The roles: one per FastCGI program, each with only what its program
-- needs (granted by the migrations that create the tables), and the
-- administrators' role.  Roles belong to the cluster, so an existing one
-- is kept; the schema itself is created by scripts/migrate.

DO $$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['amobill_register', 'amobill_account',
	    'amobill_checkout', 'amobill_payment', 'amobill_refund',
	    'amobill_license', 'amobill_admin',
	    'amobill_login', 'amobill_password', 'amobill_legal']
	LOOP
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
			EXECUTE format('CREATE ROLE %I LOGIN', r);
		END IF;
		EXECUTE format('GRANT USAGE ON SCHEMA amobill TO %I', r);
		-- A runaway query or a forgotten transaction must not hold a
		-- worker (or a lock) for long.
		EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', r,
		    '5s');
		EXECUTE format(
		    'ALTER ROLE %I SET idle_in_transaction_session_timeout = %L',
		    r, '10s');
		-- Times the programs print (ISO 8601 with an offset) are
		-- Almaty's.
		EXECUTE format('ALTER ROLE %I SET TimeZone = %L', r,
		    'Asia/Almaty');
	END LOOP;
END
$$;

-- Nobody but the owner creates objects in the application's schemas.
REVOKE ALL ON SCHEMA amobill FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
