-- License periods around a refund (issue 11, defect 2): a purchase after
-- an approved refund starts at once; the periods queued behind a revoked
-- one (bought by the same customer or by another, granted by an
-- administrator) move up to start at the revocation, keeping their
-- length; a trial is neither revoked nor moved; and the reminders follow
-- the moved dates.  All in one transaction, rolled back: now() is one
-- instant throughout.
\set QUIET on
\o /dev/null
BEGIN;

-- A zone far from Almaty's: nothing may depend on the session's.
SET LOCAL TimeZone = 'America/New_York';

-- A new customer: the user's id.
CREATE FUNCTION pg_temp.customer(p_login text) RETURNS bigint
LANGUAGE sql AS $$
	INSERT INTO amobill.users (login, email, password_hash, full_name,
	    status, address, iin_bin)
	VALUES (p_login, p_login || '@example.kz', '$scrypt$ln=17,r=8,p=1$x$y',
	    'Тест Периодов', 'individual', 'г. Алматы, ул. Тестовая, 3',
	    '791028302728')
	RETURNING id;
$$;

-- The six-month plan for host, bought and paid through apply_payment:
-- the order's InvId.
CREATE FUNCTION pg_temp.buy(p_user bigint, p_host text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	inv	integer;
BEGIN
	SELECT o.inv_id INTO inv FROM amobill.create_order(p_user,
	    'all-widgets-6m', p_host, '10.1.2.3') o;
	ASSERT amobill.apply_payment(inv, 6000000) = 'paid', 'the payment';
	RETURN inv;
END
$$;

-- An order's period, as if access had begun days ago (the first period
-- of a chain only).
CREATE FUNCTION pg_temp.backdate(p_inv integer, p_days integer) RETURNS void
LANGUAGE sql AS $$
	UPDATE amobill.license_periods
	   SET starts_at = starts_at - make_interval(days => p_days),
	       ends_at = ends_at - make_interval(days => p_days)
	 WHERE inv_id = p_inv;
$$;

-- The customer asks for the order's refund and an administrator approves
-- it, as in psql (admin.approve_refund as amobill_admin).
CREATE FUNCTION pg_temp.refund(p_user bigint, p_inv integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	rid	bigint;
BEGIN
	SELECT r.refund_id INTO rid FROM amobill.request_refund(p_user, p_inv,
	    'Проверка: периоды после возврата сдвигаются.', 'Тест Периодов',
	    '791028302728', 'KZ86125KZT5004100100', 'CASPKZKA') r;
	PERFORM set_config('role', 'amobill_admin', true);
	PERFORM admin.approve_refund(rid, 'approved for the test');
	PERFORM set_config('role', 'none', true);
END
$$;

CREATE FUNCTION pg_temp.period(p_inv integer) RETURNS amobill.license_periods
LANGUAGE sql AS $$
	SELECT * FROM amobill.license_periods WHERE inv_id = p_inv;
$$;

CREATE FUNCTION pg_temp.state(p_host text)
RETURNS TABLE (code text, kind text, expires_at timestamptz,
    recheck_at timestamptz)
LANGUAGE sql AS $$
	SELECT s.* FROM amobill.amo_accounts a,
	    LATERAL amobill.license_state(a.id) s WHERE a.host = p_host;
$$;

-- Six months on from t, as the plan's term is counted (Almaty's calendar).
CREATE FUNCTION pg_temp.term(t timestamptz) RETURNS timestamptz
LANGUAGE sql AS $$
	SELECT (t AT TIME ZONE 'Asia/Almaty' + interval '6 months')
	    AT TIME ZONE 'Asia/Almaty';
$$;

-- Buying again after a refund: the new period starts now, not at the
-- refunded period's original end, and the license is valid at once.
DO $$
DECLARE
	u	bigint := pg_temp.customer('periods1');
	h	text := 'periods1.amocrm.ru';
	a	integer := pg_temp.buy(u, h);
	b	integer;
	p0	amobill.license_periods;
	p	amobill.license_periods;
	s	record;
BEGIN
	PERFORM pg_temp.backdate(a, 3);
	p0 := pg_temp.period(a);
	PERFORM pg_temp.refund(u, a);
	p := pg_temp.period(a);
	ASSERT p.revoked_at = now(), 'the approval revoked the period';
	ASSERT p.starts_at = p0.starts_at AND p.ends_at = p0.ends_at,
	    'a revoked period keeps the dates it was bought with';
	SELECT * INTO s FROM pg_temp.state(h);
	ASSERT s.code = 'SUSPENDED', 'refunded: ' || s.code;
	b := pg_temp.buy(u, h);
	p := pg_temp.period(b);
	ASSERT p.starts_at = now(), 'the purchase after a refund starts now, not '
	    || p.starts_at;
	ASSERT p.ends_at = pg_temp.term(now()), 'and lasts the term';
	SELECT * INTO s FROM pg_temp.state(h);
	ASSERT s.code = 'VALID' AND s.expires_at = p.ends_at,
	    'valid at once: ' || s.code || ' until ' || s.expires_at;
END
$$;

-- A period queued behind the refunded one, bought by the same customer:
-- it starts at the revocation and keeps its length.
DO $$
DECLARE
	u	bigint := pg_temp.customer('periods2');
	h	text := 'periods2.amocrm.ru';
	a	integer := pg_temp.buy(u, h);
	b	integer;
	p0	amobill.license_periods;
	p	amobill.license_periods;
	s	record;
BEGIN
	PERFORM pg_temp.backdate(a, 5);
	b := pg_temp.buy(u, h);
	p0 := pg_temp.period(b);
	ASSERT p0.starts_at = (pg_temp.period(a)).ends_at, 'queued behind the first';
	PERFORM pg_temp.refund(u, a);
	p := pg_temp.period(b);
	ASSERT p.starts_at = now(), 'the queued period starts at the revocation, not '
	    || p.starts_at;
	ASSERT p.ends_at - p.starts_at = p0.ends_at - p0.starts_at,
	    'and keeps its length';
	ASSERT p.revoked_at IS NULL, 'the queued period is not revoked';
	SELECT * INTO s FROM pg_temp.state(h);
	ASSERT s.code = 'VALID' AND s.expires_at = p.ends_at,
	    'the license stays valid: ' || s.code || ' until ' || s.expires_at;
END
$$;

-- A period queued by another customer for the same account moves up the
-- same way: one customer's refund does not suspend the other's license.
DO $$
DECLARE
	u1	bigint := pg_temp.customer('periods3a');
	u2	bigint := pg_temp.customer('periods3b');
	h	text := 'periods3.amocrm.ru';
	a	integer := pg_temp.buy(u1, h);
	b	integer;
	len	interval;
	p	amobill.license_periods;
	s	record;
BEGIN
	PERFORM pg_temp.backdate(a, 10);
	b := pg_temp.buy(u2, h);
	len := (pg_temp.period(b)).ends_at - (pg_temp.period(b)).starts_at;
	PERFORM pg_temp.refund(u1, a);
	p := pg_temp.period(b);
	ASSERT p.starts_at = now() AND p.ends_at - p.starts_at = len,
	    'the other customer''s period runs from the revocation: '
	    || p.starts_at || ' .. ' || p.ends_at;
	SELECT * INTO s FROM pg_temp.state(h);
	ASSERT s.code = 'VALID' AND s.expires_at = p.ends_at,
	    'the other customer''s license: ' || s.code;
END
$$;

-- Two queued periods move up together, each keeping its length; a
-- queued period refunded itself frees its place for the one behind it;
-- a purchase then follows what still runs, not the refunded periods.
DO $$
DECLARE
	u	bigint := pg_temp.customer('periods4');
	h	text := 'periods4.amocrm.ru';
	a	integer := pg_temp.buy(u, h);
	b	integer;
	c	integer;
	d	integer;
	e	integer;
	lb	interval;
	lc	interval;
	ld	interval;
	pb	amobill.license_periods;
	pc	amobill.license_periods;
	pd	amobill.license_periods;
	s	record;
BEGIN
	PERFORM pg_temp.backdate(a, 2);
	b := pg_temp.buy(u, h);
	c := pg_temp.buy(u, h);
	d := pg_temp.buy(u, h);
	lb := (pg_temp.period(b)).ends_at - (pg_temp.period(b)).starts_at;
	lc := (pg_temp.period(c)).ends_at - (pg_temp.period(c)).starts_at;
	ld := (pg_temp.period(d)).ends_at - (pg_temp.period(d)).starts_at;
	PERFORM pg_temp.refund(u, a);
	pb := pg_temp.period(b);
	pc := pg_temp.period(c);
	pd := pg_temp.period(d);
	ASSERT pb.starts_at = now() AND pb.ends_at - pb.starts_at = lb,
	    'the second starts at the revocation, not ' || pb.starts_at;
	ASSERT pc.starts_at = pb.ends_at AND pc.ends_at - pc.starts_at = lc,
	    'the third follows the second';
	ASSERT pd.starts_at = pc.ends_at AND pd.ends_at - pd.starts_at = ld,
	    'the fourth follows the third';
	-- The third, not begun, refunded: the fourth takes its place.
	PERFORM pg_temp.refund(u, c);
	ASSERT pg_temp.period(b) = pb, 'the running period is untouched';
	ASSERT (pg_temp.period(d)).starts_at = pc.starts_at
	    AND (pg_temp.period(d)).ends_at - (pg_temp.period(d)).starts_at = ld,
	    'the fourth starts where the refunded third would have: '
	    || (pg_temp.period(d)).starts_at;
	SELECT * INTO s FROM pg_temp.state(h);
	ASSERT s.code = 'VALID' AND s.expires_at = (pg_temp.period(d)).ends_at,
	    'valid until the fourth ends: ' || s.code || ' ' || s.expires_at;
	-- The last refunded: nothing behind it; a purchase starts at the end
	-- of the second, what still runs.
	PERFORM pg_temp.refund(u, d);
	ASSERT pg_temp.period(b) = pb, 'still untouched';
	e := pg_temp.buy(u, h);
	ASSERT (pg_temp.period(e)).starts_at = pb.ends_at,
	    'a purchase follows what still runs: ' || (pg_temp.period(e)).starts_at;
END
$$;

-- Extensions follow the same rule: a grant queued behind a refunded
-- period moves up with it, and one made after a refund starts now.
DO $$
DECLARE
	u	bigint := pg_temp.customer('periods5');
	h	text := 'periods5.amocrm.ru';
	a	integer := pg_temp.buy(u, h);
	g	amobill.license_periods;
	e	timestamptz;
	s	record;
BEGIN
	PERFORM pg_temp.backdate(a, 4);
	PERFORM set_config('role', 'amobill_admin', true);
	e := admin.extend_license('periods5', 30, 'goodwill for the test');
	PERFORM set_config('role', 'none', true);
	SELECT * INTO g FROM amobill.license_periods
	 WHERE account_id = (pg_temp.period(a)).account_id AND kind = 'grant';
	ASSERT g.starts_at = (pg_temp.period(a)).ends_at AND g.ends_at = e,
	    'the grant follows the paid period';
	PERFORM pg_temp.refund(u, a);
	SELECT * INTO g FROM amobill.license_periods WHERE id = g.id;
	ASSERT g.starts_at = now() AND g.ends_at - g.starts_at = interval '30 days',
	    'the grant moved up to the revocation: ' || g.starts_at;
	SELECT * INTO s FROM pg_temp.state(h);
	ASSERT s.code = 'VALID' AND s.expires_at = g.ends_at, 'valid: ' || s.code;
END
$$;

DO $$
DECLARE
	u	bigint := pg_temp.customer('periods6');
	h	text := 'periods6.amocrm.ru';
	a	integer := pg_temp.buy(u, h);
	e	timestamptz;
	s	record;
BEGIN
	PERFORM pg_temp.backdate(a, 4);
	PERFORM pg_temp.refund(u, a);
	PERFORM set_config('role', 'amobill_admin', true);
	e := admin.extend_license('periods6', 10, 'goodwill for the test');
	PERFORM set_config('role', 'none', true);
	ASSERT e - now() = interval '10 days', 'an extension after a refund '
	    'starts now: it ends ' || e;
	SELECT * INTO s FROM pg_temp.state(h);
	ASSERT s.code = 'VALID' AND s.expires_at = e, 'valid: ' || s.code;
END
$$;

-- A trial: the payment ends it, and the refund neither revives it nor
-- moves it; a trial cannot be revoked; buying again starts now.
DO $$
DECLARE
	u	bigint := pg_temp.customer('periods7');
	h	text := 'periods7.amocrm.ru';
	acc	bigint;
	t	amobill.license_periods;
	a	integer;
	b	integer;
	s	record;
BEGIN
	SELECT c.account_id INTO acc
	  FROM amobill.license_check(912345607, h, 'leadscore', 7) c;
	SELECT * INTO t FROM amobill.license_periods
	 WHERE account_id = acc AND kind = 'trial';
	ASSERT t.starts_at = now(), 'the first check starts the trial';
	a := pg_temp.buy(u, h);
	ASSERT (SELECT ends_at FROM amobill.license_periods WHERE id = t.id)
	    = now(), 'the payment ended the trial';
	PERFORM pg_temp.refund(u, a);
	ASSERT (SELECT ends_at = now() AND starts_at = t.starts_at
	    AND revoked_at IS NULL FROM amobill.license_periods
	    WHERE id = t.id), 'the refund leaves the ended trial as it was';
	SELECT * INTO s FROM pg_temp.state(h);
	ASSERT s.code = 'SUSPENDED', 'refunded after a trial: ' || s.code;
	BEGIN
		UPDATE amobill.license_periods SET revoked_at = now()
		 WHERE id = t.id;
		ASSERT false, 'a trial was revoked';
	EXCEPTION WHEN check_violation THEN NULL;
	END;
	b := pg_temp.buy(u, h);
	ASSERT (pg_temp.period(b)).starts_at = now(), 'bought again: starts now';
	SELECT * INTO s FROM pg_temp.state(h);
	ASSERT s.code = 'VALID', 'bought again: ' || s.code;
END
$$;

-- The reminders follow a moved period: a short grant queued behind a
-- refunded period now ends within a week, and its customer is told when,
-- by the moved date.
DO $$
DECLARE
	u	bigint := pg_temp.customer('periods8');
	h	text := 'periods8.amocrm.ru';
	a	integer := pg_temp.buy(u, h);
	m	record;
	g	amobill.license_periods;
BEGIN
	PERFORM pg_temp.backdate(a, 3);
	PERFORM set_config('role', 'amobill_admin', true);
	PERFORM admin.extend_license('periods8', 5, 'goodwill for the test');
	PERFORM set_config('role', 'none', true);
	PERFORM pg_temp.refund(u, a);
	SELECT * INTO g FROM amobill.license_periods
	 WHERE account_id = (pg_temp.period(a)).account_id AND kind = 'grant';
	ASSERT g.starts_at = now() AND g.ends_at - now() = interval '5 days',
	    'the grant moved up: it ends ' || g.ends_at;
	PERFORM amobill.mail_enqueue_reminders();
	SELECT count(*) AS n, min(data->>'ends') AS ends,
	    min(data->>'kind') AS kind, min((data->>'days')::int) AS days
	  INTO m FROM amobill.mail_outbox
	 WHERE user_id = u AND kind = 'license_ending';
	ASSERT m.n = 1, m.n || ' reminders';
	ASSERT m.ends = amobill.day_text(g.ends_at)
	    AND m.kind = 'grant' AND m.days = 7,
	    'the reminder tells the moved end: ' || m.ends;
END
$$;

ROLLBACK;
\o
SELECT 'periods: ok';
