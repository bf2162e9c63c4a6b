-- The administrator's functions and views: each checks its arguments,
-- each writes an audit row, and each does what docs/admin.md says.  All
-- in one transaction, rolled back: the test leaves nothing behind.
\set QUIET on
\o /dev/null
BEGIN;

-- A customer with a paid order and a pending refund request.
INSERT INTO amobill.users (login, email, password_hash, full_name, status,
    address, iin_bin)
VALUES ('sqltest', 'sqltest@example.kz', '$scrypt$ln=17,r=8,p=1$x$y',
    'Тест Тестов', 'individual', 'г. Алматы, ул. Тестовая, 1', '791028302728')
RETURNING id AS uid \gset
INSERT INTO amobill.consents (user_id, purpose, document_id, ip)
SELECT :uid, 'personal_data', id, '10.1.2.3'
  FROM amobill.current_documents WHERE kind = 'privacy';
SELECT inv_id AS inv FROM amobill.create_order(:uid, 'all-widgets-6m',
    'sqltest.amocrm.ru', '10.1.2.3') \gset
SELECT amobill.apply_payment(:inv, 6000000);
SELECT refund_id AS rid FROM amobill.request_refund(:uid, :inv,
    'Проверка: виджеты нам не подошли совсем.', 'Тест Тестов',
    '791028302728', 'KZ86125KZT5004100100', 'CASPKZKA') \gset

-- The DO blocks below read these as settings.
SELECT set_config('test.uid', :'uid', false),
       set_config('test.inv', :'inv', false),
       set_config('test.rid', :'rid', false),
       set_config('test.audit0', count(*)::text, false)
  FROM amobill.audit;

SET ROLE amobill_admin;

-- Bad arguments: a clear error, and nothing changes.
DO $$
DECLARE
	cases text[][] := ARRAY[
	    ['SELECT admin.approve_refund(-1, ''note'')', 'no refund request%'],
	    ['SELECT admin.approve_refund(1, NULL)', 'a note%'],
	    ['SELECT admin.reject_refund(-1, ''note'')', 'no refund request%'],
	    ['SELECT admin.mark_refund_paid(-1, '' '')', 'the payout reference%'],
	    ['SELECT admin.mark_refund_paid(-1, NULL)', 'the payout reference%'],
	    ['SELECT admin.mark_refund_paid(-1, ''REF-1'')', 'no refund request%'],
	    ['SELECT admin.block_account(-1, ''copyright'', ''note'')', 'no user%'],
	    ['SELECT admin.block_account(1, ''dislike'', ''note'')', 'reason must be%'],
	    ['SELECT admin.block_account(1, ''copyright'', '''')', 'a note%'],
	    ['SELECT admin.unblock_account(-1, ''note'')', 'no user%'],
	    ['SELECT admin.extend_license(''nosuch'', 10, ''note'')', 'no amoCRM account%'],
	    ['SELECT admin.extend_license(''sqltest'', 0, ''note'')', 'days must be%'],
	    ['SELECT admin.extend_license(''sqltest'', 1000, ''note'')', 'days must be%'],
	    ['SELECT admin.publish_offer(''bad version!'', repeat(''x'', 200))', 'version must be%'],
	    ['SELECT admin.publish_offer(''v2'', ''short'')', 'the offer text%'],
	    ['SELECT admin.publish_offer(''sample-1'', repeat(''x'', 200))', 'offer version%already exists'],
	    ['SELECT admin.export_user(-1)', 'no user%'],
	    ['SELECT admin.erase_user(-1, ''note'')', 'no user%']];
	i int;
BEGIN
	FOR i IN 1 .. array_length(cases, 1) LOOP
		BEGIN
			EXECUTE cases[i][1];
			ASSERT false, 'accepted: ' || cases[i][1];
		EXCEPTION WHEN raise_exception THEN
			ASSERT SQLERRM LIKE cases[i][2],
			    cases[i][1] || ' said: ' || SQLERRM;
		END;
	END LOOP;
END
$$;

-- Administrators work through the admin schema only.
DO $$
BEGIN
	BEGIN
		PERFORM 1 FROM amobill.users;
		ASSERT false, 'amobill_admin read amobill.users directly';
	EXCEPTION WHEN insufficient_privilege THEN NULL;
	END;
END
$$;

DO $$
DECLARE
	inv int := current_setting('test.inv')::int;
	rid bigint := current_setting('test.rid')::bigint;
BEGIN
	ASSERT (SELECT count(*) FROM admin.customers WHERE login = 'sqltest') = 1,
	    'customer not in admin.customers';
	ASSERT (SELECT count(*) FROM admin.orders WHERE inv_id = inv
	    AND amount = 60000 AND status = 'paid') = 1, 'order not in admin.orders';
	ASSERT (SELECT count(*) FROM admin.active_licenses
	    WHERE amo_domain = 'sqltest.amocrm.ru' AND kind = 'paid') = 1,
	    'license not in admin.active_licenses';
	ASSERT (SELECT count(*) FROM admin.refunds_due WHERE refund_id = rid
	    AND status = 'pending' AND payout_deadline IS NULL AND NOT overdue) = 1,
	    'pending refund not in admin.refunds_due';
	ASSERT (SELECT gross >= 60000 FROM admin.revenue_by_month
	    WHERE month = date_trunc('month', now() AT TIME ZONE 'Asia/Almaty')::date),
	    'revenue_by_month misses this month';
	ASSERT (SELECT count(*) FROM admin.expiring_soon
	    WHERE amo_domain = 'sqltest.amocrm.ru') = 0,
	    'a six-month license is not expiring soon';
END
$$;

-- Each function acts and writes its audit row.
SELECT admin.extend_license('sqltest', 30, 'goodwill for an outage');
SELECT admin.approve_refund(:rid, 'motivated reason accepted');
SELECT admin.mark_refund_paid(:rid, 'PP-2026-0001');
SELECT admin.block_account(:uid, 'terms_violation', 'test block');
SELECT admin.unblock_account(:uid, 'test unblock');
SELECT admin.publish_offer('sql-test-2', repeat('Новая редакция оферты. ', 10));
SELECT set_config('test.export', admin.export_user(:uid)::text, false);
SELECT admin.erase_user(:uid, 'the subject asked for erasure');
-- Erasing twice is an error.
DO $$
BEGIN
	PERFORM admin.erase_user(current_setting('test.uid')::bigint, 'again');
	ASSERT false, 'erased twice';
EXCEPTION WHEN raise_exception THEN
	ASSERT SQLERRM LIKE '%already erased%', SQLERRM;
END
$$;
SELECT set_config('test.audit_log', (SELECT count(*) FROM admin.audit_log)::text,
    false);
RESET ROLE;

DO $$
DECLARE
	uid bigint := current_setting('test.uid')::bigint;
	inv int := current_setting('test.inv')::int;
	rid bigint := current_setting('test.rid')::bigint;
	doc json := current_setting('test.export')::json;
	u amobill.users%ROWTYPE;
BEGIN
	ASSERT (SELECT count(*) FROM amobill.audit) =
	    current_setting('test.audit0')::int + 8,
	    'not every admin call wrote one audit row';
	ASSERT (SELECT array_agg(action ORDER BY id) FROM (SELECT * FROM
	    amobill.audit ORDER BY id DESC LIMIT 8) a) = ARRAY['extend_license',
	    'approve_refund', 'mark_refund_paid', 'block_account',
	    'unblock_account', 'publish_offer', 'export_user', 'erase_user'],
	    'audit actions';
	ASSERT (SELECT db_user FROM amobill.audit ORDER BY id DESC LIMIT 1) =
	    session_user || ' as amobill_admin', 'the audit names the database user';
	ASSERT current_setting('test.audit_log')::int =
	    (SELECT count(*) FROM amobill.audit), 'admin.audit_log shows all';

	-- extend_license added 30 days after the paid period.
	ASSERT (SELECT ends_at - starts_at FROM amobill.license_periods
	    WHERE kind = 'grant' AND account_id = (SELECT account_id FROM
	    amobill.orders WHERE inv_id = inv)) = interval '30 days', 'grant';
	-- approve_refund revoked the period; mark_refund_paid refunded the order.
	ASSERT (SELECT revoked_at IS NOT NULL FROM amobill.license_periods
	    WHERE inv_id = inv), 'period not revoked';
	ASSERT (SELECT status FROM amobill.orders WHERE inv_id = inv) =
	    'refunded', 'order not refunded';
	ASSERT (SELECT status || ' ' || payout_reference FROM amobill.refunds
	    WHERE id = rid) = 'paid PP-2026-0001', 'refund not paid';
	-- publish_offer made a new current offer; the order keeps its own.
	ASSERT (SELECT version FROM amobill.current_documents
	    WHERE kind = 'offer') = 'sql-test-2', 'offer not current';
	ASSERT (SELECT d.version FROM amobill.acceptances a JOIN
	    amobill.documents d ON d.id = a.offer_id WHERE a.inv_id = inv) =
	    'sample-1', 'acceptance changed version';

	-- The export held every personal field.
	ASSERT doc->'user'->>'login' = 'sqltest', 'export: login';
	ASSERT doc->'user'->>'email' = 'sqltest@example.kz', 'export: email';
	ASSERT doc->'user'->>'full_name' = 'Тест Тестов', 'export: name';
	ASSERT doc->'user'->>'address' = 'г. Алматы, ул. Тестовая, 1', 'export: address';
	ASSERT doc->'user'->>'iin_bin' = '791028302728', 'export: iin';
	ASSERT doc->'consents'->0->>'ip' = '10.1.2.3', 'export: consent ip';
	ASSERT (doc->'orders'->0->>'inv_id')::int = inv, 'export: order';
	ASSERT doc->'refunds'->0->>'iban' = 'KZ86125KZT5004100100', 'export: iban';
	ASSERT json_array_length(doc->'licenses') >= 1, 'export: licenses';

	-- The erasure removed them and kept amounts and dates.
	SELECT * INTO u FROM amobill.users WHERE id = uid;
	ASSERT u.login = 'erased-' || uid AND u.email LIKE 'erased-%@erased.invalid'
	    AND u.iin_bin IS NULL AND u.full_name <> 'Тест Тестов'
	    AND u.address NOT LIKE '%Тестовая%' AND u.erased_at IS NOT NULL,
	    'user not erased';
	ASSERT (SELECT host(ip) FROM amobill.consents WHERE user_id = uid) =
	    '0.0.0.0', 'consent ip kept';
	ASSERT (SELECT amount_tiyn FROM amobill.orders WHERE inv_id = inv) =
	    6000000 AND (SELECT paid_at IS NOT NULL FROM amobill.orders
	    WHERE inv_id = inv), 'order amount or date lost';
	ASSERT (SELECT reason NOT LIKE '%подошли%' AND amount_tiyn > 0
	    FROM amobill.refunds WHERE id = rid), 'refund reason kept';
END
$$;

ROLLBACK;
\o
SELECT 'admin: ok';
