-- Limits per account (contract §3: 429).  nginx limits every costly POST
-- per address (nginx/limits.conf); these limit what one customer's
-- session may do from any number of addresses: the one home of their
-- numbers.  A program takes an action before the work it costs (a
-- password hashed, mail sent, rows written), so an attempt counts whether
-- or not it then succeeds.

CREATE TABLE amobill.limits (
	name	text PRIMARY KEY CHECK (name ~ '^[a-z_]{1,40}$'),
	count	integer NOT NULL CHECK (count > 0),
	per	interval NOT NULL CHECK (per > interval '0'),
	what	text NOT NULL CHECK (length(what) <= 200)
);
INSERT INTO amobill.limits (name, count, per, what) VALUES
	('account_change', 30, interval '1 hour',
	 'POST /account with valid fields: profile changes, password checks'),
	('email_change', 5, interval '1 day',
	 'new addresses asked for: each mails the new and the old address'),
	('checkout', 20, interval '1 hour', 'orders made at POST /checkout'),
	('refund', 10, interval '1 hour', 'refund requests at POST /refund');

-- The actions taken, kept for as long as their limit looks back.
CREATE TABLE amobill.user_actions (
	user_id	bigint NOT NULL REFERENCES amobill.users (id)
		ON DELETE CASCADE,
	name	text NOT NULL REFERENCES amobill.limits (name),
	at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_actions_user_name_at
	ON amobill.user_actions (user_id, name, at);

-- Takes one action of the user under the named limit: true if it is
-- within the limit (and now counted), false if the limit is reached.
-- Takers for one user and limit queue on an advisory lock, so requests
-- at the same moment cannot all pass on the same count.
CREATE FUNCTION amobill.take_action(p_user bigint, p_name text)
    RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	l	amobill.limits;
	n	integer;
BEGIN
	SELECT * INTO STRICT l FROM amobill.limits WHERE name = p_name;
	PERFORM pg_advisory_xact_lock(hashtext('amobill.take_action:' ||
	    p_name), (p_user % 2147483647)::integer);
	DELETE FROM amobill.user_actions
	 WHERE user_id = p_user AND name = p_name AND at <= now() - l.per;
	SELECT count(*) INTO n FROM amobill.user_actions
	 WHERE user_id = p_user AND name = p_name;
	IF n >= l.count THEN
		RETURN false;
	END IF;
	INSERT INTO amobill.user_actions (user_id, name) VALUES (p_user, p_name);
	RETURN true;
END
$$;
REVOKE ALL ON FUNCTION amobill.take_action(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION amobill.take_action(bigint, text)
    TO amobill_account, amobill_checkout, amobill_refund;
GRANT SELECT ON amobill.limits TO amobill_admin;
