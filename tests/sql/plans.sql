-- Plans that name their widgets (issue 13): a bundle covers every widget,
-- one added after the purchase too; a plan of one widget licenses that
-- one and answers NOT_ENTITLED for the others; a trial covers all; a new
-- period queues behind its own plan only; a refund moves up only its own
-- plan's queue; a grant extends the plan held last; publish_plan and
-- retire_plan keep what was sold; usage is counted per Almaty day.  All in
-- one transaction, rolled back: now() is one instant throughout.
\set QUIET on
\o /dev/null
BEGIN;

SET LOCAL TimeZone = 'America/New_York';

CREATE FUNCTION pg_temp.customer(p_login text) RETURNS bigint
LANGUAGE sql AS $$
	INSERT INTO amobill.users (login, email, password_hash, full_name,
	    status, address, iin_bin)
	VALUES (p_login, p_login || '@example.kz', '$scrypt$ln=17,r=8,p=1$x$y',
	    'Тест Тарифов', 'individual', 'г. Алматы, ул. Тестовая, 5',
	    '791028302728')
	RETURNING id;
$$;

-- Plan p_plan for host, bought and paid: the order's InvId.
CREATE FUNCTION pg_temp.buy(p_user bigint, p_host text, p_plan text)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	o	record;
BEGIN
	SELECT * INTO o FROM amobill.create_order(p_user, p_plan, p_host,
	    '10.1.2.3');
	ASSERT amobill.apply_payment(o.inv_id, o.amount_tiyn) = 'paid',
	    'the payment';
	RETURN o.inv_id;
END
$$;

CREATE FUNCTION pg_temp.period(p_inv integer) RETURNS amobill.license_periods
LANGUAGE sql AS $$
	SELECT * FROM amobill.license_periods WHERE inv_id = p_inv;
$$;

CREATE FUNCTION pg_temp.code(p_host text, p_widget text) RETURNS text
LANGUAGE sql AS $$
	SELECT s.code FROM amobill.amo_accounts a,
	    LATERAL amobill.widget_license_state(a.id, p_widget) s
	 WHERE a.host = p_host;
$$;

CREATE FUNCTION pg_temp.admin(p_sql text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('role', 'amobill_admin', true);
	EXECUTE p_sql;
	PERFORM set_config('role', 'none', true);
END
$$;

-- A bundle covers every widget, one added after the purchase too; the
-- plan of one widget that one only; both start at once, side by side.
DO $$
DECLARE
	u	bigint := pg_temp.customer('plans1');
	one	integer := pg_temp.buy(u, 'plans1.amocrm.ru', 'leadscore-6m');
	all_	integer;
BEGIN
	ASSERT (pg_temp.period(one)).plan_code = 'leadscore-6m',
	    'the period remembers its plan';
	ASSERT pg_temp.code('plans1.amocrm.ru', 'leadscore') = 'VALID',
	    'its widget: ' || pg_temp.code('plans1.amocrm.ru', 'leadscore');
	ASSERT pg_temp.code('plans1.amocrm.ru', 'callplan') = 'NOT_ENTITLED',
	    'another widget: ' || pg_temp.code('plans1.amocrm.ru', 'callplan');
	ASSERT (SELECT expires_at IS NULL FROM amobill.amo_accounts a,
	    LATERAL amobill.widget_license_state(a.id, 'callplan')
	     WHERE a.host = 'plans1.amocrm.ru'), 'no end for what is not held';
	-- The account as a whole (the administrator's views): valid.
	ASSERT (SELECT s.code FROM amobill.amo_accounts a,
	    LATERAL amobill.license_state(a.id) s
	     WHERE a.host = 'plans1.amocrm.ru') = 'VALID', 'the account as a whole';
	-- The bundle, bought while the one-widget plan runs: from now.
	all_ := pg_temp.buy(u, 'plans1.amocrm.ru', 'all-widgets-6m');
	ASSERT (pg_temp.period(all_)).starts_at = now(),
	    'another plan starts at once, not after the running one';
	ASSERT pg_temp.code('plans1.amocrm.ru', 'callplan') = 'VALID',
	    'the bundle covers callplan';
	PERFORM pg_temp.admin($q$SELECT admin.add_widget('plans-later',
	    'Позже', 'Виджет, добавленный после покупки.', 'test')$q$);
	ASSERT pg_temp.code('plans1.amocrm.ru', 'plans-later') = 'VALID',
	    'the bundle covers a widget added after the purchase';
	ASSERT 'plans-later' = ANY (amobill.plan_widget_codes('all-widgets-6m')),
	    'and lists it';
	ASSERT amobill.plan_widget_codes('leadscore-6m') = '{leadscore}',
	    'the one-widget plan lists its widget';
END
$$;

-- The same plan again queues behind the running period of that plan.
DO $$
DECLARE
	u	bigint := pg_temp.customer('plans2');
	a	integer := pg_temp.buy(u, 'plans2.amocrm.ru', 'leadscore-6m');
	b	integer := pg_temp.buy(u, 'plans2.amocrm.ru', 'leadscore-6m');
	c	integer := pg_temp.buy(u, 'plans2.amocrm.ru', 'all-widgets-6m');
	d	integer := pg_temp.buy(u, 'plans2.amocrm.ru', 'all-widgets-6m');
BEGIN
	ASSERT (pg_temp.period(b)).starts_at = (pg_temp.period(a)).ends_at,
	    'the same plan: after the running one';
	ASSERT (pg_temp.period(c)).starts_at = now(), 'another plan: now';
	ASSERT (pg_temp.period(d)).starts_at = (pg_temp.period(c)).ends_at,
	    'the bundle again: after the bundle';
	-- A refund of the running one-widget period moves up its own
	-- queue, not the bundle's.
	PERFORM amobill.revoke_period(a);
	ASSERT (pg_temp.period(b)).starts_at = now(), 'its own plan moved up';
	ASSERT (pg_temp.period(d)).starts_at = (pg_temp.period(c)).ends_at,
	    'the bundle queue stays';
	-- A grant extends the plan held last (the bundle ends last).
	PERFORM pg_temp.admin($q$SELECT admin.extend_license('plans2.amocrm.ru',
	    10, 'compensation')$q$);
	ASSERT (SELECT plan_code = 'all-widgets-6m' AND starts_at =
	    (pg_temp.period(d)).ends_at FROM amobill.license_periods
	     WHERE kind = 'grant' AND account_id = (pg_temp.period(a)).account_id),
	    'the grant extends the bundle, after it';
END
$$;

-- A trial covers every widget; a paid one-widget plan ends it.
DO $$
DECLARE
	acc	bigint;
	u	bigint := pg_temp.customer('plans3');
BEGIN
	SELECT c.account_id INTO acc
	  FROM amobill.license_check(912345699, 'plans3.amocrm.ru', 'callplan', 7) c;
	ASSERT pg_temp.code('plans3.amocrm.ru', 'callplan') = 'TRIAL', 'trial';
	ASSERT pg_temp.code('plans3.amocrm.ru', 'dupfinder') = 'TRIAL',
	    'the trial covers every widget';
	PERFORM pg_temp.buy(u, 'plans3.amocrm.ru', 'leadscore-6m');
	ASSERT pg_temp.code('plans3.amocrm.ru', 'leadscore') = 'VALID', 'paid';
	ASSERT pg_temp.code('plans3.amocrm.ru', 'callplan') = 'NOT_ENTITLED',
	    'the trial ended with the payment: ' ||
	    pg_temp.code('plans3.amocrm.ru', 'callplan');
	ASSERT (SELECT code FROM amobill.license_check(912345699,
	    'plans3.amocrm.ru', 'dupfinder', 7)) = 'NOT_ENTITLED',
	    'through license_check too';
END
$$;

-- Publishing and retiring.
DO $$
DECLARE
	u	bigint := pg_temp.customer('plans4');
	inv	integer;
BEGIN
	PERFORM pg_temp.admin($q$SELECT admin.publish_plan('callplan-12m',
	    'План звонков на год', 30000.50, 12, ARRAY['callplan', 'callplan'],
	    'a new plan')$q$);
	ASSERT (SELECT price_tiyn = 3000050 AND NOT bundle AND widgets = '{callplan}'
	    FROM amobill.plans_on_sale WHERE code = 'callplan-12m'), 'on sale';
	ASSERT (SELECT note LIKE '30000.50 KZT, 12 months, callplan, callplan: a new plan'
	    FROM amobill.audit WHERE action = 'publish_plan'
	    ORDER BY id DESC LIMIT 1), 'audited';
	inv := pg_temp.buy(u, 'plans4.amocrm.ru', 'callplan-12m');
	PERFORM pg_temp.admin($q$SELECT admin.retire_plan('callplan-12m',
	    'no longer sold')$q$);
	ASSERT NOT EXISTS (SELECT FROM amobill.plans_on_sale
	    WHERE code = 'callplan-12m'), 'retired: not on sale';
	ASSERT pg_temp.code('plans4.amocrm.ru', 'callplan') = 'VALID',
	    'a period bought keeps its retired plan';
	BEGIN
		PERFORM amobill.create_order(u, 'callplan-12m', 'plans4.amocrm.ru',
		    '10.1.2.3');
		ASSERT false, 'a retired plan was sold';
	EXCEPTION WHEN SQLSTATE 'P0002' THEN NULL;
	END;
	-- Its terms are for good: the same code with others is refused,
	-- with the same ones it is back on sale.
	BEGIN
		PERFORM pg_temp.admin($q$SELECT admin.publish_plan('callplan-12m',
		    'План звонков на год', 20000, 12, ARRAY['callplan'], 'cheaper')$q$);
		ASSERT false, 'a published plan was changed';
	EXCEPTION WHEN raise_exception THEN NULL;
	END;
	PERFORM pg_temp.admin($q$SELECT admin.publish_plan('callplan-12m',
	    'План звонков на год', 30000.5, 12, ARRAY['callplan'], 'again')$q$);
	ASSERT EXISTS (SELECT FROM amobill.plans_on_sale
	    WHERE code = 'callplan-12m'), 'back on sale';
END
$$;

-- What publish_plan refuses, and what the schema refuses whatever asks.
DO $$
DECLARE
	bad	text[] := ARRAY[
	    $q$SELECT admin.publish_plan('p-cents', 'x', 1.005, 6, NULL, 'note')$q$,
	    $q$SELECT admin.publish_plan('p-zero', 'x', 0, 6, NULL, 'note')$q$,
	    $q$SELECT admin.publish_plan('p-none', 'x', 100, 6, '{}', 'note')$q$,
	    $q$SELECT admin.publish_plan('p-unknown', 'x', 100, 6,
	        ARRAY['no-such-widget'], 'note')$q$,
	    $q$SELECT admin.publish_plan('P BAD', 'x', 100, 6, NULL, 'note')$q$,
	    $q$SELECT admin.publish_plan('p-term', 'x', 100, 0, NULL, 'note')$q$,
	    $q$SELECT admin.publish_plan('p-note', 'x', 100, 6, NULL, '')$q$,
	    $q$SELECT admin.publish_plan('all-widgets-6m', 'Все виджеты на 6 месяцев',
	        60000, 6, NULL, 'already on sale')$q$,
	    $q$SELECT admin.retire_plan('no-such-plan', 'note')$q$];
	q	text;
BEGIN
	FOREACH q IN ARRAY bad LOOP
		BEGIN
			PERFORM pg_temp.admin(q);
			ASSERT false, 'accepted: ' || q;
		EXCEPTION WHEN raise_exception OR check_violation OR
		    not_null_violation THEN NULL;
		END;
	END LOOP;
	-- A bundle names no widgets.
	BEGIN
		INSERT INTO amobill.plan_widgets (plan_code, widget_code)
		VALUES ('all-widgets-6m', 'leadscore');
		ASSERT false, 'a bundle was given a widget';
	EXCEPTION WHEN foreign_key_violation THEN NULL;
	END;
	-- A paid period's plan is its order's.
	BEGIN
		UPDATE amobill.license_periods SET plan_code = 'leadscore-6m'
		 WHERE kind = 'paid' AND plan_code = 'all-widgets-6m';
		ASSERT false, 'a period changed its plan';
	EXCEPTION WHEN foreign_key_violation THEN NULL;
	END;
	BEGIN
		UPDATE amobill.license_periods SET plan_code = 'leadscore-6m'
		 WHERE kind = 'trial';
		ASSERT false, 'a trial was given a plan';
	EXCEPTION WHEN check_violation THEN NULL;
	END;
END
$$;

-- Usage: counts add up across batches, users are counted once, and an
-- hour goes to its Almaty day (UTC+5: 19:00 UTC is the next day).
DO $$
DECLARE
	acc	bigint;
	h1	bigint := extract(epoch FROM timestamptz '2026-12-01 18:00Z')::bigint / 3600;
	h2	bigint := extract(epoch FROM timestamptz '2026-12-01 19:00Z')::bigint / 3600;
	r	record;
BEGIN
	SELECT c.account_id INTO acc
	  FROM amobill.license_check(912345698, 'plans5.amocrm.ru', 'leadscore', 7) c;
	PERFORM amobill.record_usage(ARRAY[acc, acc, acc], '{leadscore,leadscore,callplan}',
	    ARRAY[h1, h1 - 1, h1], '{3,2,1}', ARRAY[acc, acc, acc],
	    '{leadscore,leadscore,callplan}', ARRAY[h1, h1 - 1, h1], '{11,12,11}');
	-- A second worker's batch: the same users again, and one more.
	PERFORM amobill.record_usage(ARRAY[acc, acc], '{leadscore,leadscore}',
	    ARRAY[h1, h2], '{4,1}', ARRAY[acc, acc, acc],
	    '{leadscore,leadscore,leadscore}', ARRAY[h1, h1, h2], '{11,13,11}');
	PERFORM set_config('role', 'amobill_admin', true);
	SELECT * INTO r FROM admin.widget_usage
	 WHERE amo_domain = 'plans5.amocrm.ru' AND widget = 'leadscore'
	   AND day = '2026-12-01';
	ASSERT r.checks = 9 AND r.users = 3, 'leadscore on the 1st: ' || r::text;
	SELECT * INTO r FROM admin.widget_usage
	 WHERE amo_domain = 'plans5.amocrm.ru' AND widget = 'leadscore'
	   AND day = '2026-12-02';
	ASSERT r.checks = 1 AND r.users = 1 AND r.amo_account_id = 912345698,
	    'leadscore on the 2nd (19:00 UTC): ' || r::text;
	ASSERT (SELECT checks = 1 AND users = 1 FROM admin.widget_usage
	    WHERE amo_domain = 'plans5.amocrm.ru' AND widget = 'callplan'),
	    'callplan';
	PERFORM set_config('role', 'none', true);
	-- Only license-check writes usage.
	ASSERT has_function_privilege('amobill_license',
	    'amobill.record_usage(bigint[], text[], bigint[], bigint[], bigint[], '
	    'text[], bigint[], bigint[])', 'EXECUTE'), 'license-check writes it';
	ASSERT NOT has_function_privilege('amobill_account',
	    'amobill.record_usage(bigint[], text[], bigint[], bigint[], bigint[], '
	    'text[], bigint[], bigint[])', 'EXECUTE'), 'nobody else does';
END
$$;

ROLLBACK;
\o
SELECT 'plans: ok';
