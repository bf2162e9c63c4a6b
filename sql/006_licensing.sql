-- License checks: an account's state from its periods, the trial of a
-- never-seen account, blocking, revoking a (refunded) period, and the
-- notifications that tell every license-check worker to forget what it
-- knew about an account.

-- Why a user may be blocked (offer 8.2), and how the user is told: the
-- one list of the reasons.  admin.block_account takes these codes; the
-- programs show the text.
CREATE TABLE amobill.block_reasons (
	code		text PRIMARY KEY CHECK (code ~ '^[a-z_]{1,40}$'),
	text		text NOT NULL CHECK (length(text) BETWEEN 1 AND 200)
);
INSERT INTO amobill.block_reasons (code, text) VALUES
	('government_order', 'по распоряжению государственного органа'),
	('copyright', 'из-за нарушения авторских и смежных прав'),
	('third_party_complaint', 'по мотивированному обращению третьего лица'),
	('prohibited_content', 'из-за размещения запрещённой законом информации'),
	('terms_violation', 'из-за нарушения условий договора');

-- Blocking a user (seed 8.2) suspends the periods they paid for.
ALTER TABLE amobill.users
	ADD COLUMN blocked_reason text
	    REFERENCES amobill.block_reasons (code),
	ADD COLUMN blocked_at timestamptz,
	ADD CONSTRAINT users_blocked_both
	    CHECK ((blocked_reason IS NULL) = (blocked_at IS NULL));

-- Who holds a license period: the one rule of it, for the cabinet, the
-- reminders, blocking and the administrator's views.  A paid period is
-- its order's customer's (paid: a block of that customer suspends it);
-- a trial or granted period is that of every customer with a paid order
-- for the account (paid false: nobody's block suspends it).  An order
-- never paid claims nothing: anyone can start a checkout for any
-- account, and must not thereby see, be mailed about or suspend the
-- license of the customer who paid.
CREATE VIEW amobill.period_holders AS
	SELECT p.id AS period_id, o.user_id, true AS paid
	  FROM amobill.license_periods p
	  JOIN amobill.orders o ON o.inv_id = p.inv_id
	 WHERE p.kind = 'paid'
	UNION
	SELECT p.id, o.user_id, false
	  FROM amobill.license_periods p
	  JOIN amobill.orders o ON o.account_id = p.account_id
	 WHERE p.kind <> 'paid' AND o.paid_at IS NOT NULL;

-- A period suspended by a block: a paid period whose customer is
-- blocked.  It counts for nothing in a license check while the block
-- lasts.
CREATE FUNCTION amobill.period_blocked(p_period bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
	SELECT EXISTS (SELECT FROM amobill.period_holders h
	    JOIN amobill.users u ON u.id = h.user_id
	    WHERE h.period_id = p_period AND h.paid
	      AND u.blocked_at IS NOT NULL);
$$;

-- Every change to an account's licenses is announced on license_changed
-- (the account's id); license-check workers listen.
CREATE FUNCTION amobill.notify_license_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('license_changed',
	    (CASE TG_OP WHEN 'DELETE' THEN OLD.account_id
	     ELSE NEW.account_id END)::text);
	RETURN NULL;
END
$$;
CREATE TRIGGER license_periods_notify
	AFTER INSERT OR UPDATE OR DELETE ON amobill.license_periods
	FOR EACH ROW EXECUTE FUNCTION amobill.notify_license_change();

CREATE FUNCTION amobill.notify_user_block() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('license_changed', o.account_id::text)
	   FROM (SELECT DISTINCT p.account_id FROM amobill.period_holders h
	          JOIN amobill.license_periods p ON p.id = h.period_id
	          WHERE h.user_id = NEW.id AND h.paid) o;
	RETURN NULL;
END
$$;
CREATE TRIGGER users_block_notify
	AFTER UPDATE OF blocked_at ON amobill.users
	FOR EACH ROW WHEN (OLD.blocked_at IS DISTINCT FROM NEW.blocked_at)
	EXECUTE FUNCTION amobill.notify_user_block();

-- Revokes an order's paid period now (an approved refund: the period
-- ends at once, amobill.period_end) and moves the periods queued behind
-- it, paid or granted, by whoever, up by the time it no longer covers:
-- the first of them starts at the revocation (or where the revoked one
-- would have started, had it not begun), each keeps its length, and the
-- account's time runs on without a gap.  Trials are never moved.
--
-- The account's row is locked first, as apply_payment and
-- admin.extend_license lock it before they read where a new period
-- starts: a payment for the same account either committed before (its
-- period is queued, and moves with the others) or waits for this
-- transaction and then starts after the moved periods.  Every row
-- changed is announced on license_changed by the trigger above, at
-- commit.  Returns false if the order had no period to revoke.
CREATE FUNCTION amobill.revoke_period(p_inv integer) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, amobill AS $$
DECLARE
	acc	bigint;
	p	amobill.license_periods%ROWTYPE;
	gap	interval;
BEGIN
	SELECT account_id INTO acc FROM amobill.license_periods
	 WHERE inv_id = p_inv;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	PERFORM 1 FROM amobill.amo_accounts WHERE id = acc FOR NO KEY UPDATE;
	UPDATE amobill.license_periods SET revoked_at = now()
	 WHERE inv_id = p_inv AND revoked_at IS NULL
	RETURNING * INTO p;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	-- In seconds, so that moving a period keeps its length to the
	-- second whatever the session's TimeZone (an interval of days would
	-- be counted on the session's calendar).
	gap := make_interval(secs => extract(epoch FROM p.ends_at -
	    greatest(p.starts_at, amobill.period_end(p.ends_at, p.revoked_at))));
	IF gap > interval '0' THEN
		UPDATE amobill.license_periods
		   SET starts_at = starts_at - gap, ends_at = ends_at - gap
		 WHERE account_id = acc AND kind <> 'trial'
		   AND revoked_at IS NULL AND starts_at >= p.ends_at;
	END IF;
	RETURN true;
END
$$;

-- An account's license now.  code: VALID (a paid period is running),
-- TRIAL, SUSPENDED (the running paid period's customer is blocked,
-- amobill.period_blocked, or it was refunded), EXPIRED.  A blocked
-- customer's periods count for nothing else: another customer's period
-- running or queued for the same account is not theirs to suspend.  expires_at: the end of the time
-- covered without a gap from now on (or of the last period);
-- recheck_at: when the answer can next change without any write (a
-- cache may keep it until then, or until a notification).
CREATE FUNCTION amobill.license_state(p_account bigint)
RETURNS TABLE (code text, kind text, expires_at timestamptz,
    recheck_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, amobill AS $$
#variable_conflict use_column
DECLARE
	cur	record;
	e	timestamptz;
	nxt	timestamptz;
BEGIN
	-- Paid and granted time are the same to the customer.
	SELECT p.kind = 'trial' AS trial,
	    amobill.period_end(p.ends_at, p.revoked_at) AS until
	  INTO cur
	  FROM amobill.license_periods p
	 WHERE p.account_id = p_account AND p.starts_at <= now()
	   AND now() < amobill.period_end(p.ends_at, p.revoked_at)
	   AND NOT amobill.period_blocked(p.id)
	 ORDER BY p.kind = 'trial',
	    amobill.period_end(p.ends_at, p.revoked_at) DESC
	 LIMIT 1;
	IF FOUND THEN
		-- Periods follow one another: follow the chain.
		e := cur.until;
		LOOP
			SELECT amobill.period_end(p.ends_at, p.revoked_at) INTO nxt
			  FROM amobill.license_periods p
			 WHERE p.account_id = p_account
			   AND (p.kind = 'trial') = cur.trial
			   AND p.starts_at <= e
			   AND amobill.period_end(p.ends_at, p.revoked_at) > e
			   AND NOT amobill.period_blocked(p.id)
			 ORDER BY 1 DESC LIMIT 1;
			EXIT WHEN NOT FOUND;
			e := nxt;
		END LOOP;
		code := CASE WHEN cur.trial THEN 'TRIAL' ELSE 'VALID' END;
		kind := CASE WHEN cur.trial THEN 'trial' ELSE 'paid' END;
		expires_at := e;
		recheck_at := cur.until;
	ELSIF EXISTS (SELECT FROM amobill.license_periods p
	     WHERE p.account_id = p_account AND p.starts_at <= now()
	       AND now() < amobill.period_end(p.ends_at, p.revoked_at)
	       AND amobill.period_blocked(p.id)) THEN
		-- Until the block is lifted (a notification) or the period
		-- ends, when what follows it may run.
		SELECT 'SUSPENDED', 'paid',
		    max(amobill.period_end(p.ends_at, p.revoked_at))
		  INTO code, kind, expires_at
		  FROM amobill.license_periods p
		 WHERE p.account_id = p_account AND p.starts_at <= now()
		   AND now() < amobill.period_end(p.ends_at, p.revoked_at)
		   AND amobill.period_blocked(p.id);
		recheck_at := expires_at;
	ELSIF EXISTS (SELECT FROM amobill.license_periods p
	     WHERE p.account_id = p_account AND p.revoked_at <= now()
	       AND p.starts_at <= now() AND now() < p.ends_at) THEN
		SELECT 'SUSPENDED', 'paid', max(p.ends_at) INTO code, kind, expires_at
		  FROM amobill.license_periods p
		 WHERE p.account_id = p_account AND p.revoked_at <= now()
		   AND p.starts_at <= now() AND now() < p.ends_at;
		recheck_at := expires_at;
	ELSE
		SELECT 'EXPIRED', CASE p.kind WHEN 'trial' THEN 'trial' ELSE 'paid' END,
		    amobill.period_end(p.ends_at, p.revoked_at)
		  INTO code, kind, expires_at
		  FROM amobill.license_periods p WHERE p.account_id = p_account
		 ORDER BY amobill.period_end(p.ends_at, p.revoked_at) DESC LIMIT 1;
		code := 'EXPIRED';
		SELECT min(p.starts_at) INTO recheck_at
		  FROM amobill.license_periods p
		 WHERE p.account_id = p_account AND p.starts_at > now();
	END IF;
	RETURN NEXT;
END
$$;

-- A verified license check of account p_amo_id (host p_host from the
-- token): finds the account (linking it to the host it was bought for at
-- checkout), starts the trial of an account with no period at all (one
-- trial per account, ever: the unique index backs it), and returns its
-- state with the account's id.
CREATE FUNCTION amobill.license_check(p_amo_id bigint, p_host text,
    p_trial_days integer)
RETURNS TABLE (account_id bigint, code text, kind text,
    expires_at timestamptz, recheck_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, amobill AS $$
#variable_conflict use_column
DECLARE
	acc	bigint;
BEGIN
	IF p_trial_days NOT BETWEEN 1 AND 14 THEN
		RAISE EXCEPTION 'trial_days must be 1..14';
	END IF;
	SELECT a.id INTO acc FROM amobill.amo_accounts a
	 WHERE a.amo_account_id = p_amo_id;
	IF acc IS NULL THEN
		UPDATE amobill.amo_accounts a SET amo_account_id = p_amo_id
		 WHERE a.host = p_host AND a.amo_account_id IS NULL
		RETURNING a.id INTO acc;
	END IF;
	IF acc IS NULL THEN
		-- A host already linked to another account id (a renamed
		-- account) leaves this one known by its id alone.
		INSERT INTO amobill.amo_accounts (host, amo_account_id)
		SELECT p_host, p_amo_id WHERE NOT EXISTS
		    (SELECT FROM amobill.amo_accounts a WHERE a.host = p_host)
		ON CONFLICT DO NOTHING RETURNING id INTO acc;
		IF acc IS NULL THEN
			INSERT INTO amobill.amo_accounts (amo_account_id)
			VALUES (p_amo_id) ON CONFLICT DO NOTHING
			RETURNING id INTO acc;
		END IF;
		IF acc IS NULL THEN
			SELECT a.id INTO acc FROM amobill.amo_accounts a
			 WHERE a.amo_account_id = p_amo_id;
		END IF;
	END IF;
	IF NOT EXISTS (SELECT FROM amobill.license_periods p
	     WHERE p.account_id = acc) THEN
		INSERT INTO amobill.license_periods (account_id, kind,
		    starts_at, ends_at)
		VALUES (acc, 'trial', now(), now() + make_interval(days =>
		    p_trial_days))
		ON CONFLICT (account_id) WHERE kind = 'trial' DO NOTHING;
	END IF;
	RETURN QUERY SELECT acc, s.code, s.kind, s.expires_at, s.recheck_at
	  FROM amobill.license_state(acc) s;
END
$$;

REVOKE ALL ON FUNCTION amobill.license_state(bigint),
    amobill.license_check(bigint, text, integer),
    amobill.revoke_period(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION amobill.license_check(bigint, text, integer)
    TO amobill_license;
GRANT SELECT ON amobill.widgets TO amobill_license;

-- The cabinet lists the periods the user holds; the administrator's
-- views ask which are suspended (admin.active_licenses).
GRANT SELECT ON amobill.period_holders TO amobill_account;
REVOKE ALL ON FUNCTION amobill.period_blocked(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION amobill.period_blocked(bigint) TO amobill_admin;

-- Sessions of blocked users do not count (lib/session.c asks).
GRANT SELECT (blocked_at) ON amobill.users TO amobill_checkout;

-- The cabinet tells a blocked user why.  (The login program's role is
-- granted it with its other rights, in 010; the mail of a block takes
-- the text in its trigger, so the mailer's role needs none.)
GRANT SELECT ON amobill.block_reasons TO amobill_account;
