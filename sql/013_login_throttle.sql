-- The login throttle (contract §3: 429).  nginx limits logins per address
-- (nginx/limits.conf); this limits the tries at one account from one
-- address: after `count` failures of the pair, each further try waits
-- 2^(failures - count) seconds after the pair's last failure was known,
-- at most `per`, and its password is not looked at meanwhile.  The pair is the
-- unit, not the account, so a stranger hammering an account does not lock
-- its owner out: the owner's address has a count of its own, and a
-- successful login clears its pair.  The owner is told by mail.
--
-- The account of a try is its user for a known login or e-mail address,
-- and for an identifier nobody has its SHA-256 (lower-cased, as the form
-- gives it), so an unknown login is throttled exactly like a known one
-- and the answer never tells whether a user exists.  Nothing else of the
-- identifier is kept; a pair's row goes with its success, or after a day.

INSERT INTO amobill.limits (name, count, per, what) VALUES
	('login_failures', 5, interval '15 minutes',
	 'failed logins at one account from one address before each further '
	 'try waits 1 s, doubling up to per');

INSERT INTO amobill.mail_kinds (kind, link_path, link_valid) VALUES
	('login_failures', NULL, NULL);

CREATE TABLE amobill.login_failures (
	-- 'u' and the user's id, or 'h' and the hex SHA-256 of an
	-- identifier nobody has.
	subject		text NOT NULL CHECK (subject ~ '^(u[0-9]{1,19}|h[0-9a-f]{64})$'),
	user_id		bigint REFERENCES amobill.users (id) ON DELETE CASCADE,
	CHECK ((user_id IS NOT NULL) = (subject LIKE 'u%')),
	-- The client's address (NULL: none known).
	address		inet,
	-- Tries counted: each is counted before its password is checked.
	failures	integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
	last_at		timestamptz NOT NULL DEFAULT now(),
	-- The owner was told of this pair's streak (or another's, that day).
	mailed		boolean NOT NULL DEFAULT false,
	UNIQUE NULLS NOT DISTINCT (subject, address)
);
CREATE INDEX login_failures_last_at ON amobill.login_failures (last_at);
CREATE INDEX login_failures_user_id ON amobill.login_failures (user_id);

-- When an account's owner was last told of failed logins: at most once a
-- day, however many addresses try, until they log in.
CREATE TABLE amobill.login_notices (
	user_id		bigint PRIMARY KEY
			REFERENCES amobill.users (id) ON DELETE CASCADE,
	sent_at		timestamptz NOT NULL DEFAULT now()
);

-- The account of an identifier as the login form gives it (valid.c
-- lower-cases it): the user whose login or address it is, or none.
CREATE FUNCTION amobill.login_subject(p_login text, OUT subject text,
    OUT user_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, amobill
AS $$
	SELECT coalesce('u' || u.id,
	           'h' || encode(sha256(convert_to(lower(p_login), 'UTF8')),
	               'hex')), u.id
	  FROM (SELECT 1) one
	  LEFT JOIN amobill.users u ON u.login = p_login OR u.email = p_login;
$$;

-- A try to log in from an address: the user as login.c needs it (no
-- user: the row's user_id NULL) and wait, the seconds the pair must still
-- wait (0: go ahead).  A try that may go ahead is counted as a failure
-- now, under the pair's row lock, so tries at the same moment cannot all
-- pass on one count; login_done() undoes that for the right password.
-- While the pair waits no password hash leaves here, known user or not.
CREATE FUNCTION amobill.login_attempt(p_login text, p_address inet,
    OUT user_id bigint, OUT password_hash text, OUT blocked_reason text,
    OUT reason_text text, OUT blocked_since text, OUT wait integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	l	amobill.limits;
	s	record;
	f	amobill.login_failures;
	due	timestamptz;
BEGIN
	SELECT * INTO STRICT l FROM amobill.limits WHERE name = 'login_failures';
	SELECT * INTO STRICT s FROM amobill.login_subject(p_login);
	-- Streaks of yesterday are over.
	DELETE FROM amobill.login_failures
	 WHERE last_at < now() - interval '1 day';
	INSERT INTO amobill.login_failures (subject, user_id, address)
	VALUES (s.subject, s.user_id, p_address)
	ON CONFLICT (subject, address) DO NOTHING;
	SELECT * INTO STRICT f FROM amobill.login_failures r
	 WHERE r.subject = s.subject AND r.address IS NOT DISTINCT FROM p_address
	   FOR UPDATE;
	IF f.failures >= l.count THEN
		due := f.last_at + least(l.per, make_interval(secs =>
		    2 ^ least(f.failures - l.count, 30)));
		IF due > clock_timestamp() THEN
			wait := ceil(extract(epoch FROM due - clock_timestamp()));
			RETURN;
		END IF;
	END IF;
	UPDATE amobill.login_failures r SET failures = r.failures + 1,
	    last_at = clock_timestamp()
	 WHERE r.subject = s.subject AND r.address IS NOT DISTINCT FROM p_address;
	wait := 0;
	SELECT u.id, u.password_hash, u.blocked_reason, coalesce(b.text, ''),
	       amobill.day_text(u.blocked_at)
	  INTO user_id, password_hash, blocked_reason, reason_text,
	       blocked_since
	  FROM amobill.users u LEFT JOIN amobill.block_reasons b
	    ON b.code = u.blocked_reason
	 WHERE u.id = s.user_id;
END
$$;

-- The outcome of a try login_attempt() let go ahead.  The right password
-- clears the pair (and the owner may be told again of a later streak).  A
-- wrong one stays counted; the one that brings the pair to the count
-- tells the owner, once for the pair's streak and at most once a day for
-- the account: from which address, when, and what to do.
CREATE FUNCTION amobill.login_done(p_login text, p_address inet,
    p_ok boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	l	amobill.limits;
	s	record;
	u	amobill.users;
BEGIN
	SELECT * INTO STRICT l FROM amobill.limits WHERE name = 'login_failures';
	SELECT * INTO STRICT s FROM amobill.login_subject(p_login);
	IF p_ok THEN
		DELETE FROM amobill.login_failures r
		 WHERE r.subject = s.subject
		   AND r.address IS NOT DISTINCT FROM p_address;
		DELETE FROM amobill.login_notices n WHERE n.user_id = s.user_id;
		RETURN;
	END IF;
	-- The wait runs from the answer, not from the start of the try:
	-- a slow password check must not spend it.
	UPDATE amobill.login_failures r SET last_at = clock_timestamp()
	 WHERE r.subject = s.subject
	   AND r.address IS NOT DISTINCT FROM p_address;
	UPDATE amobill.login_failures r SET mailed = true
	 WHERE r.subject = s.subject AND r.address IS NOT DISTINCT FROM p_address
	   AND r.user_id IS NOT NULL AND r.failures >= l.count AND NOT r.mailed;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	DELETE FROM amobill.login_notices
	 WHERE sent_at < now() - interval '1 day';
	INSERT INTO amobill.login_notices (user_id) VALUES (s.user_id)
	ON CONFLICT DO NOTHING;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	SELECT * INTO u FROM amobill.users WHERE id = s.user_id
	   AND erased_at IS NULL;
	IF FOUND THEN
		PERFORM amobill.mail_enqueue('login_failures', u.id, u.email,
		    jsonb_build_object('login', u.login,
		        'address', coalesce(host(p_address), 'неизвестен'),
		        'day', amobill.day_text(now()),
		        'time', amobill.mail_time(now())));
	END IF;
END
$$;

REVOKE ALL ON FUNCTION amobill.login_subject(text),
    amobill.login_attempt(text, inet), amobill.login_done(text, inet, boolean)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION amobill.login_attempt(text, inet),
    amobill.login_done(text, inet, boolean) TO amobill_login;
-- login reads the password's hash and a block's reason only through
-- login_attempt() now (blocked_at it still reads: a blocked user's
-- session is no session, lib/web/session.c).
REVOKE SELECT (password_hash, blocked_reason) ON amobill.users
    FROM amobill_login;
REVOKE SELECT ON amobill.block_reasons FROM amobill_login;
