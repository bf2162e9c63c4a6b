-- The rules with one home in the schema: Almaty days (almaty_day,
-- day_text), a period's effective end (period_end), the payout deadline
-- (payout_deadline) and the block reasons (block_reasons), and the
-- functions that use them.  Every rule holds whatever the session's
-- TimeZone.  All in one transaction, rolled back.
\set QUIET on
\o /dev/null
BEGIN;

-- A zone far from Almaty's, with summer time: nothing may depend on it.
SET LOCAL TimeZone = 'America/New_York';

-- Almaty is UTC+5: its day turns at 19:00 UTC.
DO $$
DECLARE
	tz text;
BEGIN
	FOREACH tz IN ARRAY ARRAY['UTC', 'Asia/Almaty', 'America/New_York',
	    'Pacific/Kiritimati']
	LOOP
		PERFORM set_config('TimeZone', tz, true);
		ASSERT amobill.almaty_day('2026-03-04 18:59:59.999999+00') =
		    '2026-03-04', tz || ': 18:59:59 UTC is still the 4th';
		ASSERT amobill.almaty_day('2026-03-04 19:00:00+00') =
		    '2026-03-05', tz || ': 19:00 UTC is the 5th in Almaty';
		ASSERT amobill.day_text('2026-03-04 18:59:59+00') = '04.03.2026',
		    tz || ': day_text before 19:00 UTC';
		ASSERT amobill.day_text('2026-03-04 19:00:00+00') = '05.03.2026',
		    tz || ': day_text at 19:00 UTC';
		ASSERT amobill.day_text('2026-12-31 19:00:00+00') = '01.01.2027',
		    tz || ': the new year begins at 19:00 UTC';
		ASSERT amobill.day_text(NULL) IS NULL, 'day_text of NULL';
	END LOOP;
END
$$;

-- A period ends at its end, or when it was revoked if that came first.
DO $$
DECLARE
	e timestamptz := '2026-06-01 10:00+05';
BEGIN
	ASSERT amobill.period_end(e, NULL) = e, 'NULL revoked_at: the end';
	ASSERT amobill.period_end(e, e - interval '3 days') = e - interval '3 days',
	    'revoked before the end: the revocation';
	ASSERT amobill.period_end(e, e + interval '1 day') = e,
	    'revoked after the end: the end';
	ASSERT amobill.period_end(e, e) = e, 'revoked at the end';
END
$$;

-- The payout is due 14 Almaty days after the decision, to the minute.
DO $$
DECLARE
	d timestamptz;
	tz text;
BEGIN
	FOREACH tz IN ARRAY ARRAY['UTC', 'Asia/Almaty', 'Europe/Berlin']
	LOOP
		PERFORM set_config('TimeZone', tz, true);
		d := '2026-11-20 18:30:00+00';
		ASSERT amobill.payout_deadline(d) = '2026-12-04 18:30:00+00',
		    tz || ': 14 days after the decision';
		ASSERT amobill.payout_deadline(d) - d = interval '14 days',
		    tz || ': exactly 14 days';
		-- Berlin changes its clocks on 29 March 2026; Almaty does not,
		-- and the deadline follows Almaty's calendar.
		d := '2026-03-20 10:00:00+00';
		ASSERT amobill.payout_deadline(d) = '2026-04-03 10:00:00+00',
		    tz || ': across a summer-time change elsewhere';
		ASSERT amobill.almaty_day(amobill.payout_deadline(d)) =
		    amobill.almaty_day(d) + 14, tz || ': 14 Almaty days';
	END LOOP;
	ASSERT amobill.payout_deadline(NULL) IS NULL, 'no decision, no deadline';
END
$$;

-- The block reasons: the five of the offer, each with a text.
DO $$
BEGIN
	ASSERT (SELECT array_agg(code ORDER BY code) FROM amobill.block_reasons)
	    = ARRAY['copyright', 'government_order', 'prohibited_content',
	    'terms_violation', 'third_party_complaint'], 'the five reasons';
	ASSERT (SELECT text FROM amobill.block_reasons WHERE code = 'copyright')
	    = 'из-за нарушения авторских и смежных прав', 'a reason''s text';
END
$$;

-- A customer with a paid order, for the functions that use the rules.
INSERT INTO amobill.users (login, email, password_hash, full_name, status,
    address, iin_bin)
VALUES ('sqlrules', 'sqlrules@example.kz', '$scrypt$ln=17,r=8,p=1$x$y',
    'Тест Правил', 'individual', 'г. Алматы, ул. Тестовая, 2', '791028302728')
RETURNING id AS uid \gset
SELECT inv_id AS inv FROM amobill.create_order(:uid, 'all-widgets-6m',
    'sqlrules.amocrm.ru', '10.1.2.3') \gset
SELECT amobill.apply_payment(:inv, 6000000);
SELECT set_config('test.uid', :'uid', false),
       set_config('test.inv', :'inv', false);

-- A blocked user's reason must be one of the table's.
DO $$
BEGIN
	UPDATE amobill.users SET blocked_reason = 'dislike', blocked_at = now()
	 WHERE id = current_setting('test.uid')::bigint;
	ASSERT false, 'a reason not in block_reasons was stored';
EXCEPTION WHEN foreign_key_violation THEN NULL;
END
$$;

-- The refund window counts Almaty days: access that began at Almaty's
-- midnight 13 days ago is in its 14th day (open); a second earlier it
-- began the day before (closed).
DO $$
DECLARE
	inv int := current_setting('test.inv')::int;
	midnight timestamptz := (amobill.almaty_day(now()) - 13)::timestamp
	    AT TIME ZONE 'Asia/Almaty';
	r record;
BEGIN
	UPDATE amobill.license_periods
	   SET starts_at = midnight - interval '1 second',
	       ends_at = midnight + interval '6 months'
	 WHERE inv_id = inv;
	BEGIN
		PERFORM amobill.request_refund(current_setting('test.uid')::bigint,
		    inv, 'Проверка окна возврата по дням Алматы.', 'Тест Правил',
		    '791028302728', 'KZ86125KZT5004100100', 'CASPKZKA');
		ASSERT false, 'a refund on the 15th Almaty day was accepted';
	EXCEPTION WHEN SQLSTATE 'AR003' THEN NULL;
	END;
	UPDATE amobill.license_periods SET starts_at = midnight
	 WHERE inv_id = inv;
	SELECT * INTO r FROM amobill.request_refund(
	    current_setting('test.uid')::bigint, inv,
	    'Проверка окна возврата по дням Алматы.', 'Тест Правил',
	    '791028302728', 'KZ86125KZT5004100100', 'CASPKZKA');
	ASSERT (SELECT days_used FROM amobill.refunds WHERE id = r.refund_id)
	    = 14, 'the 14th Almaty day';
	PERFORM set_config('test.rid', r.refund_id::text, false);
END
$$;

SELECT current_setting('test.rid') AS rid \gset
SET ROLE amobill_admin;

-- The administrator sees the reasons; block_account takes the table's
-- codes and names them all when given another.
DO $$
BEGIN
	ASSERT (SELECT count(*) FROM admin.block_reasons) = 5,
	    'admin.block_reasons';
	PERFORM admin.block_account(current_setting('test.uid')::bigint,
	    'dislike', 'test');
	ASSERT false, 'block_account took an unknown reason';
EXCEPTION WHEN raise_exception THEN
	ASSERT SQLERRM = 'reason must be one of copyright, government_order, '
	    'prohibited_content, terms_violation, third_party_complaint', SQLERRM;
END
$$;

-- The refunds due show the payout deadline, and a refund decided more
-- than 14 days ago is overdue.
SELECT admin.approve_refund(:rid, 'motivated reason accepted');
RESET ROLE;
UPDATE amobill.refunds SET decided_at = now() - interval '14 days 1 second'
 WHERE id = :rid;
SET ROLE amobill_admin;
DO $$
DECLARE
	r record;
BEGIN
	SELECT * INTO r FROM admin.refunds_due
	 WHERE refund_id = current_setting('test.rid')::bigint;
	ASSERT r.payout_deadline = amobill.payout_deadline(r.decided_at),
	    'payout_deadline in admin.refunds_due';
	ASSERT r.overdue, 'a refund decided 14 days and a second ago is overdue';
END
$$;

-- The approved refund revoked the period: it ends now, and no longer
-- counts as active.
RESET ROLE;
DO $$
DECLARE
	inv int := current_setting('test.inv')::int;
BEGIN
	ASSERT (SELECT amobill.period_end(ends_at, revoked_at) = revoked_at
	    AND revoked_at <= now() FROM amobill.license_periods
	    WHERE inv_id = inv), 'the approval revoked the period';
	ASSERT NOT EXISTS (SELECT FROM admin.active_licenses
	    WHERE amo_domain = 'sqlrules.amocrm.ru' AND inv_id = inv),
	    'a revoked period is not active';
END
$$;

ROLLBACK;
\o
SELECT 'rules: ok';
