-- The amoCRM integrations (sql/016_integrations.sql): who may read the
-- secrets (license-check's role alone, through license_integrations()),
-- the administrator's functions and their checks, their audit rows, and
-- that neither the view nor the audit shows a secret.  One transaction,
-- rolled back: the test leaves nothing behind (and, rolled back, its
-- notifications are never sent).
\set QUIET on
\o /dev/null
BEGIN;

SELECT set_config('test.audit0', count(*)::text, false) FROM amobill.audit;

-- license-check's role: the function, not the table.
SET ROLE amobill_license;
DO $$
BEGIN
	BEGIN
		PERFORM 1 FROM amobill.integrations;
		ASSERT false, 'amobill_license read amobill.integrations directly';
	EXCEPTION WHEN insufficient_privilege THEN NULL;
	END;
	ASSERT (SELECT count(*) FROM amobill.license_integrations()
	    WHERE widget_code = 'leadscore' AND length(secret) >= 16) >= 1,
	    'no integration of leadscore in license_integrations()';
	BEGIN
		PERFORM admin.add_widget('x', 'x', 'x', 'note');
		ASSERT false, 'amobill_license added a widget';
	EXCEPTION WHEN insufficient_privilege THEN NULL;
	END;
END
$$;
RESET ROLE;

-- What amobill_license may read at all: the catalogue, nothing more (its
-- writes go through amobill.license_check, its secrets through
-- amobill.license_integrations).
DO $$
DECLARE
	readable text;
BEGIN
	SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', '
	    ORDER BY 1) INTO readable
	  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE n.nspname IN ('amobill', 'admin') AND c.relkind IN ('r', 'v', 'm', 'p')
	   AND (has_table_privilege('amobill_license', c.oid, 'SELECT') OR
	        has_any_column_privilege('amobill_license', c.oid, 'SELECT'));
	ASSERT readable = 'amobill.widgets',
	    'amobill_license may read: ' || coalesce(readable, '(nothing)');
END
$$;

SET ROLE amobill_admin;

-- Administrators: neither the table nor license-check's function.
DO $$
BEGIN
	BEGIN
		PERFORM 1 FROM amobill.integrations;
		ASSERT false, 'amobill_admin read amobill.integrations';
	EXCEPTION WHEN insufficient_privilege THEN NULL;
	END;
	BEGIN
		PERFORM 1 FROM amobill.license_integrations();
		ASSERT false, 'amobill_admin ran license_integrations()';
	EXCEPTION WHEN insufficient_privilege THEN NULL;
	END;
END
$$;

SELECT admin.add_widget('sqlwidget', 'Проверочный виджет', 'Для теста.',
    'a widget for the test');
SELECT admin.add_integration('sqlwidget',
    '7d1c6e0a-3f5b-4c8e-9a21-5b0e6f4d2c11', 'sql-test-secret-number-one',
    'https://licenses.example.kz', 'its integration');

-- Bad arguments: an error, and nothing changes.
DO $$
DECLARE
	u text := '7d1c6e0a-3f5b-4c8e-9a21-5b0e6f4d2c11';
	cases text[] := ARRAY[
	    format('SELECT admin.add_integration(%L, %L, %L, %L, %L)', 'nosuch',
		gen_random_uuid(), repeat('s', 32), 'https://a.example.kz', 'note'),
	    format('SELECT admin.add_integration(%L, %L, %L, %L, %L)', 'sqlwidget',
		u, repeat('s', 32), 'https://a.example.kz', 'note'),
	    format('SELECT admin.add_integration(%L, %L, %L, %L, %L)', 'sqlwidget',
		'not-a-uuid', repeat('s', 32), 'https://a.example.kz', 'note'),
	    format('SELECT admin.add_integration(%L, %L, %L, %L, %L)', 'sqlwidget',
		gen_random_uuid(), 'short', 'https://a.example.kz', 'note'),
	    format('SELECT admin.add_integration(%L, %L, %L, %L, %L)', 'sqlwidget',
		gen_random_uuid(), repeat('s', 32), 'https://a.example.kz/path', 'note'),
	    format('SELECT admin.add_integration(%L, %L, %L, %L, %L)', 'sqlwidget',
		gen_random_uuid(), repeat('s', 32), 'https://a.example.kz', ''),
	    format('SELECT admin.rotate_integration_secret(%L, %L, %L)',
		gen_random_uuid(), repeat('n', 32), 'note'),
	    format('SELECT admin.rotate_integration_secret(%L, %L, %L)',
		u, 'sql-test-secret-number-one', 'note'),
	    format('SELECT admin.rotate_integration_secret(%L, %L, %L)',
		u, 'short', 'note'),
	    format('SELECT admin.drop_previous_secret(%L, %L)', u, 'note'),
	    format('SELECT admin.retire_integration(%L, %L)', gen_random_uuid(), 'note'),
	    format('SELECT admin.add_widget(%L, %L, %L, %L)', 'sqlwidget', 'x', 'x',
		'note'),
	    format('SELECT admin.add_widget(%L, %L, %L, %L)', 'Bad Code', 'x', 'x',
		'note')];
	i int;
	audit bigint := (SELECT count(*) FROM admin.audit_log);
BEGIN
	FOR i IN 1 .. array_length(cases, 1) LOOP
		BEGIN
			EXECUTE cases[i];
			ASSERT false, 'accepted: ' || cases[i];
		EXCEPTION
		WHEN assert_failure THEN RAISE;
		WHEN insufficient_privilege THEN
			ASSERT false, cases[i] || ': ' || SQLERRM;
		WHEN OTHERS THEN NULL;
		END;
	END LOOP;
	ASSERT (SELECT count(*) FROM admin.audit_log) = audit,
	    'a refused call left an audit row';
END
$$;

SELECT admin.rotate_integration_secret('7d1c6e0a-3f5b-4c8e-9a21-5b0e6f4d2c11',
    'sql-test-secret-number-two', 'rotation');
SELECT set_config('test.after_rotate', row_to_json(i)::text, false)
  FROM admin.integrations i WHERE widget_code = 'sqlwidget';
RESET ROLE;

DO $$
DECLARE
	i amobill.integrations;
BEGIN
	SELECT * INTO i FROM amobill.integrations
	 WHERE client_uuid = '7d1c6e0a-3f5b-4c8e-9a21-5b0e6f4d2c11';
	ASSERT i.secret = 'sql-test-secret-number-two' AND
	    i.secret_previous = 'sql-test-secret-number-one' AND
	    i.rotated_at IS NOT NULL, 'rotation: ' || row_to_json(i)::text;
	ASSERT (current_setting('test.after_rotate')::json ->>
	    'previous_secret_accepted')::boolean, 'view: no previous secret';
	-- license-check sees both secrets.
	ASSERT (SELECT count(*) FROM amobill.license_integrations() l
	    WHERE l.client_uuid = i.client_uuid::text
	      AND l.widget_code = 'sqlwidget'
	      AND l.secret = 'sql-test-secret-number-two'
	      AND l.secret_previous = 'sql-test-secret-number-one'
	      AND l.audience = 'https://licenses.example.kz') = 1,
	    'license_integrations() after the rotation';
END
$$;

SET ROLE amobill_admin;
SELECT admin.drop_previous_secret('7d1c6e0a-3f5b-4c8e-9a21-5b0e6f4d2c11',
    'rotation done');
-- Dropping twice is an error.
DO $$
BEGIN
	PERFORM admin.drop_previous_secret(
	    '7d1c6e0a-3f5b-4c8e-9a21-5b0e6f4d2c11', 'again');
	ASSERT false, 'dropped twice';
EXCEPTION WHEN raise_exception THEN
	ASSERT SQLERRM LIKE '%no previous secret%', SQLERRM;
END
$$;
SELECT admin.retire_integration('7d1c6e0a-3f5b-4c8e-9a21-5b0e6f4d2c11',
    'withdrawn');
-- A retired integration is done with: no rotation, no second retirement.
DO $$
BEGIN
	BEGIN
		PERFORM admin.retire_integration(
		    '7d1c6e0a-3f5b-4c8e-9a21-5b0e6f4d2c11', 'again');
		ASSERT false, 'retired twice';
	EXCEPTION WHEN raise_exception THEN
		ASSERT SQLERRM LIKE '%retired%', SQLERRM;
	END;
	BEGIN
		PERFORM admin.rotate_integration_secret(
		    '7d1c6e0a-3f5b-4c8e-9a21-5b0e6f4d2c11',
		    'sql-test-secret-number-three', 'note');
		ASSERT false, 'rotated a retired integration';
	EXCEPTION WHEN raise_exception THEN
		ASSERT SQLERRM LIKE '%retired%', SQLERRM;
	END;
END
$$;
-- The same client_uuid cannot come back as a new integration.
DO $$
BEGIN
	PERFORM admin.add_integration('sqlwidget',
	    '7d1c6e0a-3f5b-4c8e-9a21-5b0e6f4d2c11', 'sql-test-secret-number-four',
	    'https://licenses.example.kz', 'again');
	ASSERT false, 'a client_uuid twice';
EXCEPTION WHEN unique_violation THEN NULL;
END
$$;
SELECT set_config('test.view', (SELECT json_agg(i)::text FROM admin.integrations i),
    false);
SELECT set_config('test.audit', (SELECT json_agg(a)::text FROM admin.audit_log a),
    false);
RESET ROLE;

DO $$
DECLARE
	a0 bigint := current_setting('test.audit0')::bigint;
	view text := current_setting('test.view');
	audit text := current_setting('test.audit');
	s text;
BEGIN
	-- Retired: out of license-check's list, its secrets gone.
	ASSERT (SELECT count(*) FROM amobill.license_integrations()
	    WHERE widget_code = 'sqlwidget') = 0, 'a retired integration in force';
	ASSERT (SELECT secret_previous IS NULL AND secret NOT LIKE 'sql-test%'
	    AND retired_at IS NOT NULL FROM amobill.integrations
	    WHERE client_uuid = '7d1c6e0a-3f5b-4c8e-9a21-5b0e6f4d2c11'),
	    'retirement kept a secret';
	-- One audit row per call that did something.
	ASSERT (SELECT array_agg(action ORDER BY id) FROM amobill.audit
	    WHERE id > (SELECT coalesce(max(id), 0) FROM amobill.audit) - 5
	    ) = ARRAY['add_widget', 'add_integration', 'rotate_integration_secret',
	    'drop_previous_secret', 'retire_integration'],
	    'audit: ' || (SELECT string_agg(action, ',' ORDER BY id) FROM amobill.audit);
	ASSERT (SELECT count(*) FROM amobill.audit) = a0 + 5, 'audit rows';
	-- No secret, of this test or the development ones, in the view or
	-- the audit.
	FOR s IN SELECT unnest(ARRAY['sql-test-secret-number-one',
	    'sql-test-secret-number-two']) UNION ALL
	    SELECT secret FROM amobill.integrations WHERE retired_at IS NULL
	    UNION ALL
	    SELECT secret_previous FROM amobill.integrations
	     WHERE secret_previous IS NOT NULL
	LOOP
		ASSERT position(s IN view) = 0, 'a secret in admin.integrations';
		ASSERT position(s IN audit) = 0, 'a secret in admin.audit_log';
	END LOOP;
	ASSERT position('7d1c6e0a-3f5b-4c8e-9a21-5b0e6f4d2c11' IN view) > 0,
	    'the integration not in admin.integrations';
END
$$;

ROLLBACK;
