-- Refund requests (seed 8.3, 8.4): within 14 calendar days of the day
-- access began (Asia/Almaty dates), for the price minus the days of
-- service rendered, one open request per order; decided by an
-- administrator and paid within 14 days of the decision.

CREATE TABLE amobill.refunds (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	inv_id			integer NOT NULL REFERENCES amobill.orders (inv_id),
	user_id			bigint NOT NULL REFERENCES amobill.users (id),
	reason			text NOT NULL
				CHECK (char_length(reason) BETWEEN 20 AND 2000),
	recipient		text NOT NULL
				CHECK (char_length(recipient) BETWEEN 2 AND 200),
	recipient_iin_bin	text NOT NULL
				CHECK (amobill.kz_id_valid(recipient_iin_bin)),
	iban			text NOT NULL CHECK (amobill.kz_iban_valid(iban)),
	bic			text NOT NULL CHECK (amobill.kz_bic_valid(bic)),
	-- The arithmetic, as computed when the request was made.
	days_total		integer NOT NULL CHECK (days_total > 0),
	days_used		integer NOT NULL
				CHECK (days_used BETWEEN 0 AND 14),
	amount_tiyn		bigint NOT NULL CHECK (amount_tiyn >= 0),
	status			text NOT NULL DEFAULT 'pending' CHECK (status IN
				    ('pending', 'approved', 'rejected', 'paid')),
	requested_at		timestamptz NOT NULL DEFAULT now(),
	decided_at		timestamptz,
	decision_note		text CHECK (length(decision_note) <= 2000),
	paid_at			timestamptz,
	payout_reference	text CHECK (length(payout_reference) <= 200),
	CHECK ((status = 'pending') = (decided_at IS NULL)),
	CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
	CHECK (status <> 'paid' OR payout_reference IS NOT NULL)
);
-- One open request per order: a rejected one may be followed by another.
CREATE UNIQUE INDEX refunds_one_per_order ON amobill.refunds (inv_id)
	WHERE status <> 'rejected';
CREATE INDEX refunds_user_id ON amobill.refunds (user_id);

-- An approved refund is paid out within 14 days of the decision, counted
-- on Almaty's calendar: the one home of the deadline.
CREATE FUNCTION amobill.payout_deadline(decided_at timestamptz)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (decided_at AT TIME ZONE 'Asia/Almaty' + interval '14 days')
    AT TIME ZONE 'Asia/Almaty';

-- The refund of a paid order asked for now: the order must be the user's
-- and paid; the request must come by the 14th calendar day (Almaty) of the
-- period, counting the day access began as the first.  The day access
-- began and the day of the request count as used; the amount is
-- price * unused days / days in the period, rounded to the nearest tiyn.
-- Errors carry a SQLSTATE the program maps: AR001 not the user's order,
-- AR002 not paid, AR003 window closed, 23505 already requested.
CREATE FUNCTION amobill.request_refund(p_user bigint, p_inv integer,
    p_reason text, p_recipient text, p_recipient_iin_bin text, p_iban text,
    p_bic text) RETURNS TABLE (refund_id bigint, amount_tiyn bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, amobill AS $$
#variable_conflict use_column
DECLARE
	o	amobill.orders%ROWTYPE;
	p	amobill.license_periods%ROWTYPE;
	first	date;
	today	date := amobill.almaty_day(now());
	total	integer;
	used	integer;
	amount	bigint;
BEGIN
	SELECT * INTO o FROM amobill.orders
	 WHERE inv_id = p_inv AND user_id = p_user FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no such order of this user' USING ERRCODE = 'AR001';
	END IF;
	IF o.status <> 'paid' THEN
		RAISE EXCEPTION 'the order is not paid' USING ERRCODE = 'AR002';
	END IF;
	SELECT * INTO p FROM amobill.license_periods WHERE inv_id = p_inv;
	first := amobill.almaty_day(p.starts_at);
	total := amobill.almaty_day(p.ends_at) - first;
	used := greatest(0, today - first + 1);
	IF used > 14 THEN
		RAISE EXCEPTION 'more than 14 days since access began'
		    USING ERRCODE = 'AR003';
	END IF;
	amount := round(o.amount_tiyn::numeric * (total - used) / total);
	RETURN QUERY INSERT INTO amobill.refunds AS r (inv_id, user_id, reason,
	    recipient, recipient_iin_bin, iban, bic, days_total, days_used,
	    amount_tiyn)
	VALUES (p_inv, p_user, p_reason, p_recipient, p_recipient_iin_bin,
	    p_iban, p_bic, total, used, amount)
	RETURNING r.id, r.amount_tiyn;
END
$$;
REVOKE ALL ON FUNCTION amobill.request_refund(bigint, integer, text, text,
    text, text, text) FROM PUBLIC;

-- refund-request: sessions, and asking.
GRANT SELECT ON amobill.sessions TO amobill_refund;
GRANT SELECT (id, login, email, blocked_at) ON amobill.users TO amobill_refund;
GRANT EXECUTE ON FUNCTION amobill.request_refund(bigint, integer, text, text,
    text, text, text) TO amobill_refund;
GRANT SELECT (inv_id, user_id, account_id, amount_tiyn, status, paid_at)
    ON amobill.orders TO amobill_refund;
GRANT SELECT (id, host) ON amobill.amo_accounts TO amobill_refund;

-- account: the cabinet lists the user's requests.
GRANT SELECT (id, inv_id, user_id, amount_tiyn, status, requested_at,
    decided_at, paid_at) ON amobill.refunds TO amobill_account;
