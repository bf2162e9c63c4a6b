-- The administrators' schema: what they use from psql.  Every function
-- checks its arguments, raises a clear error on bad ones, and writes an
-- audit row (who, when, what, on which object, why).

CREATE SCHEMA admin;
REVOKE ALL ON SCHEMA admin FROM PUBLIC;
GRANT USAGE ON SCHEMA admin TO amobill_admin;

CREATE TABLE amobill.audit (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	-- The login that acted, and the role it had set (SET ROLE), if any:
	-- give each administrator a login of their own in amobill_admin.
	db_user		text NOT NULL DEFAULT session_user ||
			    CASE current_setting('role') WHEN 'none' THEN ''
			    ELSE ' as ' || current_setting('role') END,
	at		timestamptz NOT NULL DEFAULT now(),
	action		text NOT NULL CHECK (action ~ '^[a-z_]{1,40}$'),
	object		text NOT NULL CHECK (length(object) <= 200),
	note		text CHECK (length(note) <= 2000)
);

CREATE VIEW admin.audit_log AS
	SELECT id, db_user, at, action, object, note FROM amobill.audit
	 ORDER BY id;

CREATE FUNCTION amobill.audit_write(p_action text, p_object text, p_note text)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
	INSERT INTO amobill.audit (action, object, note)
	VALUES (p_action, p_object, p_note);
$$;
REVOKE ALL ON FUNCTION amobill.audit_write(text, text, text) FROM PUBLIC;

-- A note explains an administrator's act; it is required and bounded.
CREATE FUNCTION amobill.require_note(p_note text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF p_note IS NULL OR length(btrim(p_note)) < 3 THEN
		RAISE EXCEPTION 'a note (at least 3 characters) saying why is required';
	END IF;
	IF length(p_note) > 2000 THEN
		RAISE EXCEPTION 'the note is longer than 2000 characters';
	END IF;
	RETURN btrim(p_note);
END
$$;

-- Blocks a user (seed 8.2): the periods they paid for are suspended at
-- once (amobill.period_blocked; another customer's periods of the same
-- account are not), and they can no longer log in; the cabinet says why.
CREATE FUNCTION admin.block_account(p_user_id bigint, p_reason text,
    p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	n	text := amobill.require_note(p_note);
BEGIN
	IF p_reason IS NULL OR NOT EXISTS (SELECT FROM amobill.block_reasons
	    WHERE code = p_reason) THEN
		RAISE EXCEPTION 'reason must be one of %', (SELECT
		    string_agg(code, ', ' ORDER BY code)
		    FROM amobill.block_reasons);
	END IF;
	UPDATE amobill.users SET blocked_reason = p_reason, blocked_at = now()
	 WHERE id = p_user_id AND blocked_at IS NULL;
	IF NOT FOUND THEN
		IF NOT EXISTS (SELECT FROM amobill.users WHERE id = p_user_id) THEN
			RAISE EXCEPTION 'no user %', p_user_id;
		END IF;
		RAISE EXCEPTION 'user % is already blocked', p_user_id;
	END IF;
	-- A blocked user's sessions end.
	DELETE FROM amobill.sessions WHERE user_id = p_user_id;
	PERFORM amobill.audit_write('block_account', 'user ' || p_user_id,
	    p_reason || ': ' || n);
END
$$;

CREATE FUNCTION admin.unblock_account(p_user_id bigint, p_note text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	n	text := amobill.require_note(p_note);
BEGIN
	UPDATE amobill.users SET blocked_reason = NULL, blocked_at = NULL
	 WHERE id = p_user_id AND blocked_at IS NOT NULL;
	IF NOT FOUND THEN
		IF NOT EXISTS (SELECT FROM amobill.users WHERE id = p_user_id) THEN
			RAISE EXCEPTION 'no user %', p_user_id;
		END IF;
		RAISE EXCEPTION 'user % is not blocked', p_user_id;
	END IF;
	PERFORM amobill.audit_write('unblock_account', 'user ' || p_user_id, n);
END
$$;


-- ---- Refunds ----

CREATE FUNCTION amobill.refund_for_update(p_id bigint)
RETURNS amobill.refunds
LANGUAGE plpgsql AS $$
DECLARE
	r	amobill.refunds%ROWTYPE;
BEGIN
	SELECT * INTO r FROM amobill.refunds WHERE id = p_id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no refund request %', p_id;
	END IF;
	RETURN r;
END
$$;

-- Decides a pending request: 'approved' ends the order's paid period at
-- once and moves the periods queued behind it up to the revocation
-- (amobill.revoke_period: the license check answers SUSPENDED, or VALID
-- if another period carries on), and makes the payout due within 14
-- days; 'rejected' keeps the license as it is.
CREATE FUNCTION amobill.decide_refund(p_refund_id bigint, p_note text,
    p_verdict text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	n	text := amobill.require_note(p_note);
	r	amobill.refunds%ROWTYPE := amobill.refund_for_update(p_refund_id);
BEGIN
	IF r.status <> 'pending' THEN
		RAISE EXCEPTION 'refund request % is %, not pending', r.id, r.status;
	END IF;
	UPDATE amobill.refunds SET status = p_verdict, decided_at = now(),
	    decision_note = n WHERE id = r.id;
	IF p_verdict = 'approved' THEN
		PERFORM amobill.revoke_period(r.inv_id);
	END IF;
	PERFORM amobill.audit_write(CASE p_verdict WHEN 'approved'
	    THEN 'approve_refund' ELSE 'reject_refund' END, 'refund ' || r.id, n);
END
$$;

CREATE FUNCTION admin.approve_refund(p_refund_id bigint, p_note text)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
	SELECT amobill.decide_refund(p_refund_id, p_note, 'approved');
$$;

CREATE FUNCTION admin.reject_refund(p_refund_id bigint, p_note text)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
	SELECT amobill.decide_refund(p_refund_id, p_note, 'rejected');
$$;

-- Records that an approved refund was paid out (the bank's reference).
CREATE FUNCTION admin.mark_refund_paid(p_refund_id bigint,
    p_payout_reference text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	r	amobill.refunds%ROWTYPE;
BEGIN
	IF p_payout_reference IS NULL OR length(btrim(p_payout_reference))
	    NOT BETWEEN 3 AND 200 THEN
		RAISE EXCEPTION 'the payout reference (3..200 characters) is required';
	END IF;
	r := amobill.refund_for_update(p_refund_id);
	IF r.status <> 'approved' THEN
		RAISE EXCEPTION 'refund request % is %, not approved', r.id, r.status;
	END IF;
	UPDATE amobill.refunds SET status = 'paid', paid_at = now(),
	    payout_reference = btrim(p_payout_reference) WHERE id = r.id;
	UPDATE amobill.orders SET status = 'refunded' WHERE inv_id = r.inv_id;
	PERFORM amobill.audit_write('mark_refund_paid', 'refund ' || r.id,
	    btrim(p_payout_reference));
END
$$;

-- ---- Licenses ----

-- Adds days to an account's license (as checkout names it: "mycompany",
-- "mycompany.kommo.com"...), after whatever it already has
-- (amobill.next_period_start, as a payment does: a refunded period counts
-- until its revocation only); a grant queued behind a period that is
-- later revoked moves up with the rest.  Days are Almaty's.
CREATE FUNCTION admin.extend_license(p_amo_domain text, p_days integer,
    p_note text) RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, amobill SET TimeZone = 'Asia/Almaty' AS $$
DECLARE
	n	text := amobill.require_note(p_note);
	h	text := lower(btrim(coalesce(p_amo_domain, '')));
	acc	bigint;
	start	timestamptz;
BEGIN
	IF p_days IS NULL OR p_days NOT BETWEEN 1 AND 366 THEN
		RAISE EXCEPTION 'days must be 1..366';
	END IF;
	IF h !~ '\.' THEN
		h := h || '.amocrm.ru';
	END IF;
	-- The account's lock, as apply_payment and revoke_period take it.
	SELECT id INTO acc FROM amobill.amo_accounts WHERE host = h
	    FOR NO KEY UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no amoCRM account %', h;
	END IF;
	start := amobill.next_period_start(acc);
	INSERT INTO amobill.license_periods (account_id, kind, starts_at, ends_at)
	VALUES (acc, 'grant', start, start + make_interval(days => p_days));
	PERFORM amobill.audit_write('extend_license', h, p_days || ' days: ' || n);
	RETURN start + make_interval(days => p_days);
END
$$;

-- ---- The offer ----

-- Publishes a new offer version, in force at /offer from now on; orders
-- keep the version their customer accepted.
CREATE FUNCTION admin.publish_offer(p_version text, p_body text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	id	bigint;
BEGIN
	IF p_version IS NULL OR p_version !~ '^[0-9A-Za-z._-]{1,32}$' THEN
		RAISE EXCEPTION 'version must be 1..32 of letters, digits, . _ -';
	END IF;
	IF p_body IS NULL OR length(btrim(p_body)) < 100 THEN
		RAISE EXCEPTION 'the offer text is missing or shorter than 100 characters';
	END IF;
	IF EXISTS (SELECT FROM amobill.documents WHERE kind = 'offer'
	    AND version = p_version) THEN
		RAISE EXCEPTION 'offer version % already exists', p_version;
	END IF;
	INSERT INTO amobill.documents (kind, version, body)
	VALUES ('offer', p_version, p_body) RETURNING documents.id INTO id;
	PERFORM amobill.audit_write('publish_offer', 'offer ' || p_version,
	    length(p_body) || ' characters');
	RETURN id;
END
$$;

-- ---- Personal data (Law 94-V) ----

ALTER TABLE amobill.users
	ADD COLUMN erased_at timestamptz,
	ALTER COLUMN iin_bin DROP NOT NULL,
	ADD CONSTRAINT users_iin_bin_kept
	    CHECK (iin_bin IS NOT NULL OR erased_at IS NOT NULL);

CREATE FUNCTION amobill.require_user(p_user_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM amobill.users WHERE id = p_user_id) THEN
		RAISE EXCEPTION 'no user %', p_user_id;
	END IF;
END
$$;

-- Everything held about a user, as one JSON document.
CREATE FUNCTION admin.export_user(p_user_id bigint) RETURNS json
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	doc	json;
BEGIN
	PERFORM amobill.require_user(p_user_id);
	SELECT json_build_object(
	    'user', (SELECT row_to_json(x) FROM (SELECT id, login, email,
		full_name, status, address, iin_bin, created_at, updated_at,
		blocked_reason, blocked_at, erased_at
		FROM amobill.users WHERE id = p_user_id) x),
	    'consents', (SELECT coalesce(json_agg(x ORDER BY x.given_at), '[]')
		FROM (SELECT c.purpose, d.kind AS document, d.version, c.given_at,
		    host(c.ip) AS ip, c.user_agent, c.withdrawn_at
		    FROM amobill.consents c JOIN amobill.documents d
		      ON d.id = c.document_id
		    WHERE c.user_id = p_user_id) x),
	    'sessions', (SELECT coalesce(json_agg(x), '[]') FROM (SELECT
		created_at, expires_at FROM amobill.sessions
		WHERE user_id = p_user_id) x),
	    'orders', (SELECT coalesce(json_agg(x ORDER BY x.inv_id), '[]')
		FROM (SELECT o.inv_id, o.plan_code, a.host AS amo_domain,
		    o.amount_tiyn / 100.0 AS amount, o.status, o.created_at,
		    o.paid_at, host(o.checkout_ip) AS checkout_ip,
		    d.version AS offer_version
		    FROM amobill.orders o
		    JOIN amobill.amo_accounts a ON a.id = o.account_id
		    JOIN amobill.documents d ON d.id = o.offer_id
		    WHERE o.user_id = p_user_id) x),
	    'licenses', (SELECT coalesce(json_agg(x ORDER BY x.starts_at), '[]')
		FROM (SELECT a.host AS amo_domain, p.kind, p.inv_id,
		    p.starts_at, p.ends_at, p.revoked_at
		    FROM amobill.license_periods p
		    JOIN amobill.amo_accounts a ON a.id = p.account_id
		    WHERE p.id IN (SELECT h.period_id FROM amobill.period_holders h
		        WHERE h.user_id = p_user_id)) x),
	    'refunds', (SELECT coalesce(json_agg(x ORDER BY x.id), '[]')
		FROM (SELECT id, inv_id, reason, recipient, recipient_iin_bin,
		    iban, bic, amount_tiyn / 100.0 AS amount, status,
		    requested_at, decided_at, paid_at, payout_reference
		    FROM amobill.refunds WHERE user_id = p_user_id) x))
	INTO doc;
	PERFORM amobill.audit_write('export_user', 'user ' || p_user_id, NULL);
	RETURN doc;
END
$$;

-- Anonymises a user's personal data where no record must be kept.  Orders,
-- payments and license periods keep their amounts and dates; a refund
-- keeps its bank details and amount (an accounting record) but not its
-- reason; the user can no longer log in.
CREATE FUNCTION admin.erase_user(p_user_id bigint, p_note text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	n	text := amobill.require_note(p_note);
BEGIN
	PERFORM amobill.require_user(p_user_id);
	UPDATE amobill.users SET login = 'erased-' || id,
	    email = 'erased-' || id || '@erased.invalid',
	    password_hash = '$scrypt$erased',
	    full_name = 'удалено', address = 'данные удалены', iin_bin = NULL,
	    erased_at = now(), updated_at = now()
	 WHERE id = p_user_id AND erased_at IS NULL;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'user % is already erased', p_user_id;
	END IF;
	DELETE FROM amobill.sessions WHERE user_id = p_user_id;
	UPDATE amobill.consents SET ip = '0.0.0.0', user_agent = NULL,
	    withdrawn_at = coalesce(withdrawn_at, now())
	 WHERE user_id = p_user_id;
	UPDATE amobill.orders SET checkout_ip = '0.0.0.0'
	 WHERE user_id = p_user_id;
	UPDATE amobill.acceptances SET ip = '0.0.0.0'
	 WHERE inv_id IN (SELECT inv_id FROM amobill.orders
	     WHERE user_id = p_user_id);
	UPDATE amobill.refunds
	   SET reason = 'Текст удалён по запросу пользователя.'
	 WHERE user_id = p_user_id;
	PERFORM amobill.audit_write('erase_user', 'user ' || p_user_id, n);
END
$$;

-- ---- Views ----

-- The reasons admin.block_account takes, and what the user is told.
CREATE VIEW admin.block_reasons AS
	SELECT code, text FROM amobill.block_reasons ORDER BY code;

CREATE VIEW admin.customers AS
	SELECT u.id AS user_id, u.login, u.email, u.full_name, u.status,
	       u.iin_bin, u.address, u.created_at, u.blocked_reason,
	       u.blocked_at, u.erased_at
	  FROM amobill.users u;

CREATE VIEW admin.orders AS
	SELECT o.inv_id, o.created_at, o.paid_at, o.status,
	       o.amount_tiyn / 100.0 AS amount, o.plan_code AS plan,
	       a.host AS amo_domain, o.user_id, u.login, u.email
	  FROM amobill.orders o
	  JOIN amobill.amo_accounts a ON a.id = o.account_id
	  JOIN amobill.users u ON u.id = o.user_id;

CREATE VIEW admin.active_licenses AS
	SELECT a.host AS amo_domain, a.amo_account_id, p.kind, p.inv_id,
	       p.starts_at, amobill.period_end(p.ends_at, p.revoked_at) AS ends_at,
	       (SELECT string_agg(DISTINCT u.login, ', ')
		  FROM amobill.period_holders h
		  JOIN amobill.users u ON u.id = h.user_id
		 WHERE h.period_id = p.id) AS customers,
	       amobill.period_blocked(p.id) AS suspended
	  FROM amobill.license_periods p
	  JOIN amobill.amo_accounts a ON a.id = p.account_id
	 WHERE p.starts_at <= now()
	   AND now() < amobill.period_end(p.ends_at, p.revoked_at);

CREATE VIEW admin.refunds_due AS
	SELECT r.id AS refund_id, r.inv_id, r.user_id, u.login, r.status,
	       r.amount_tiyn / 100.0 AS amount, r.recipient,
	       r.recipient_iin_bin, r.iban, r.bic, r.reason, r.requested_at,
	       r.decided_at, amobill.payout_deadline(r.decided_at)
	           AS payout_deadline,
	       r.status = 'approved'
	           AND now() > amobill.payout_deadline(r.decided_at) AS overdue
	  FROM amobill.refunds r JOIN amobill.users u ON u.id = r.user_id
	 WHERE r.status IN ('pending', 'approved')
	 ORDER BY r.status = 'approved' DESC, r.decided_at, r.requested_at;

CREATE VIEW admin.expiring_soon AS
	SELECT a.host AS amo_domain, a.amo_account_id, s.kind, s.expires_at
	  FROM amobill.amo_accounts a,
	       LATERAL amobill.license_state(a.id) s
	 WHERE s.code IN ('VALID', 'TRIAL')
	   AND s.expires_at <= now() + interval '7 days'
	 ORDER BY s.expires_at;

CREATE VIEW admin.revenue_by_month AS
	SELECT date_trunc('month', o.paid_at AT TIME ZONE 'Asia/Almaty')::date
	           AS month,
	       count(*) AS orders_paid,
	       sum(o.amount_tiyn) / 100.0 AS gross,
	       coalesce(sum(r.amount_tiyn) FILTER (WHERE r.status = 'paid'), 0)
	           / 100.0 AS refunded,
	       (sum(o.amount_tiyn) - coalesce(sum(r.amount_tiyn)
	           FILTER (WHERE r.status = 'paid'), 0)) / 100.0 AS net
	  FROM amobill.orders o
	  LEFT JOIN amobill.refunds r ON r.inv_id = o.inv_id AND r.status = 'paid'
	 WHERE o.paid_at IS NOT NULL
	 GROUP BY 1 ORDER BY 1;

-- Administrators work through this schema only (a view's functions run
-- with its reader's rights, hence the one grant).
REVOKE ALL ON ALL TABLES IN SCHEMA amobill FROM amobill_admin;
GRANT EXECUTE ON FUNCTION amobill.license_state(bigint) TO amobill_admin;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA admin FROM PUBLIC;
REVOKE ALL ON FUNCTION amobill.refund_for_update(bigint),
    amobill.decide_refund(bigint, text, text), amobill.require_note(text),
    amobill.require_user(bigint) FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA admin TO amobill_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA admin TO amobill_admin;
