-- Requests for a password-reset link (contract §6), queued for the
-- mailer.  POST /password/forgot must not tell whether an address is
-- registered, by its answer or by its time (issue 12): the request only
-- queues the address it was given, the same row for a known and an
-- unknown one, and looks nobody up.  The mailer resolves the queue on its
-- next round (woken by the insert, as by a new message): a known, usable
-- account gets its reset message, and every request is deleted as it is
-- resolved, so nothing of an address that is nobody's is kept.  See
-- docs/mail.md.

CREATE TABLE amobill.reset_requests (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	-- As typed, lower-cased (users.email is stored so).
	email		text NOT NULL CHECK (length(email) <= 254),
	requested_at	timestamptz NOT NULL DEFAULT now()
);

-- A request wakes the mailer, once per transaction (sql/009_mail.sql).
CREATE TRIGGER reset_requests_wake
	AFTER INSERT ON amobill.reset_requests
	FOR EACH STATEMENT EXECUTE FUNCTION amobill.mail_wake();

-- A request to reset the password of the user with this address: queued,
-- whoever's it is.
CREATE FUNCTION amobill.request_password_reset(p_email text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
	INSERT INTO amobill.reset_requests (email) VALUES (lower(p_email));
$$;
REVOKE ALL ON FUNCTION amobill.request_password_reset(text) FROM PUBLIC;

-- Resolves every queued request, deleting it: the address of a user
-- neither blocked nor erased gets a password_reset message, at most five
-- an hour to one user (the one home of that rule; the messages of this
-- round count too).  A request older than the link it asks for would
-- last (an hour: the mailer was down) is dropped unanswered; the person
-- has asked again or given up.  Resolvers queue on a lock, so two
-- mailers cannot both pass one count.  A message is written only when
-- there is one to write: even an INSERT of no rows would fire the
-- outbox's wake-up, and the mailer, woken by its own round, would never
-- rest.  Returns how many were queued.
CREATE FUNCTION amobill.mail_resolve_resets() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	asked	text[];
	r	record;
	n	integer := 0;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtext('amobill.mail_resolve_resets'));
	WITH q AS (
		DELETE FROM amobill.reset_requests RETURNING id, email,
		    requested_at)
	SELECT array_agg(q.email ORDER BY q.id)
	       FILTER (WHERE q.requested_at > now() - interval '1 hour')
	  INTO asked FROM q;
	IF asked IS NULL THEN
		RETURN 0;
	END IF;
	FOR r IN
		SELECT u.id, u.email, u.login
		  FROM unnest(asked) WITH ORDINALITY AS a (email, nth)
		  JOIN amobill.users u ON u.email = a.email
		 WHERE u.blocked_at IS NULL AND u.erased_at IS NULL
		 ORDER BY a.nth
	LOOP
		CONTINUE WHEN (SELECT count(*) FROM amobill.mail_outbox m
		    WHERE m.user_id = r.id AND m.kind = 'password_reset'
		      AND m.created_at > now() - interval '1 hour') >= 5;
		PERFORM amobill.mail_enqueue('password_reset', r.id, r.email,
		    jsonb_build_object('login', r.login));
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;
REVOKE ALL ON FUNCTION amobill.mail_resolve_resets() FROM PUBLIC;

-- password: queues requests (and sees nothing of the queue).
GRANT EXECUTE ON FUNCTION amobill.request_password_reset(text)
    TO amobill_password;
-- mailer: resolves them, on each round.
GRANT EXECUTE ON FUNCTION amobill.mail_resolve_resets() TO amobill_mail;
