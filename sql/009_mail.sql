-- Mail (contract §6): the outbox that events write to in their own
-- transaction, the log of delivery attempts, the single-use tokens of the
-- links in verification and password-reset mail, the reminders before a
-- license ends, and the role of the mailer program that sends it all.
--
-- An outbox row holds the kind of message, its recipient and the data of
-- the event as it was (jsonb); the mailer renders the text from the
-- kind's templates (templates/mail/).  No row ever holds a password or a
-- full IIN, and no row of a sent message a token: the mailer makes a
-- link's token once, when it first claims the message, stores its SHA-256
-- in mail_tokens and keeps the rendered message (mail_outbox.message) only
-- until the attempt's outcome is recorded.  See docs/mail.md.

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'amobill_mail') THEN
		CREATE ROLE amobill_mail LOGIN;
	END IF;
END
$$;
GRANT USAGE ON SCHEMA amobill TO amobill_mail;
ALTER ROLE amobill_mail SET statement_timeout = '5s';
-- The mailer holds no transaction while it talks to the SMTP server.
ALTER ROLE amobill_mail SET idle_in_transaction_session_timeout = '10s';
ALTER ROLE amobill_mail SET TimeZone = 'Asia/Almaty';

-- When the address was last confirmed (by its link, or by the link of a
-- change of address as it took effect: sql/015_email_change.sql).
ALTER TABLE amobill.users ADD COLUMN email_verified_at timestamptz;

-- The kinds of message: the one list.  Each kind has its templates,
-- templates/mail/<kind>.txt and <kind>.html, and the mailer knows no kind
-- but by them (tests/http/test_mail.py holds the table and the templates
-- against each other).  A kind with a link carries a single-use token to
-- link_path of the site, good for link_valid from sending.
CREATE TABLE amobill.mail_kinds (
	kind		text PRIMARY KEY CHECK (kind ~ '^[a-z_]{1,40}$'),
	link_path	text CHECK (link_path ~ '^/[a-z/]{1,40}$'),
	link_valid	interval CHECK (link_valid > interval '0'),
	CHECK ((link_path IS NULL) = (link_valid IS NULL)),
	-- For the key of mail_tokens: only a kind with a link has a token.
	has_link	boolean NOT NULL
			GENERATED ALWAYS AS (link_path IS NOT NULL) STORED,
	UNIQUE (kind, has_link)
);
INSERT INTO amobill.mail_kinds (kind, link_path, link_valid) VALUES
	('verify_email', '/email/verify', interval '7 days'),
	('password_reset', '/password/reset', interval '1 hour'),
	('payment_received', NULL, NULL),
	('license_ending', NULL, NULL),
	('refund_requested', NULL, NULL),
	('refund_request_admin', NULL, NULL),
	('refund_approved', NULL, NULL),
	('refund_rejected', NULL, NULL),
	('refund_paid', NULL, NULL),
	('account_blocked', NULL, NULL);

CREATE TABLE amobill.mail_outbox (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind		text NOT NULL REFERENCES amobill.mail_kinds (kind),
	-- The customer the message is about (its data goes with theirs).
	user_id		bigint REFERENCES amobill.users (id) ON DELETE CASCADE,
	-- The recipient, or the administrator: admin_email of the
	-- configuration, read by the mailer when it sends.
	to_address	text CHECK (length(to_address) <= 254),
	to_admin	boolean NOT NULL DEFAULT false,
	data		jsonb NOT NULL DEFAULT '{}',
	state		text NOT NULL DEFAULT 'pending'
			CHECK (state IN ('pending', 'sent', 'failed')),
	attempts	integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	created_at	timestamptz NOT NULL DEFAULT now(),
	next_attempt_at	timestamptz NOT NULL DEFAULT now(),
	-- A message still unsent then is given up (state failed).
	give_up_at	timestamptz NOT NULL DEFAULT now() + interval '2 days',
	sent_at		timestamptz,
	message_id	text CHECK (length(message_id) <= 200),
	-- The message as the mailer made it at its claim, link and
	-- Message-ID included, kept while an attempt to send it has no known
	-- outcome (the mailer died, or could not record it): the next attempt
	-- sends these same bytes, so a copy the server had already taken is
	-- the same message.  Cleared when the attempt is recorded, sent or
	-- failed: a sent message keeps nothing of its token.
	message		text CHECK (length(message) <= 524288),
	CHECK ((to_address IS NULL) = to_admin),
	CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX mail_outbox_due ON amobill.mail_outbox (next_attempt_at)
	WHERE state = 'pending';
CREATE INDEX mail_outbox_user_id ON amobill.mail_outbox (user_id);

-- Every attempt to hand a message to the SMTP server, and what came of it
-- (libcurl's verdict and the server's last reply code: no addresses).
CREATE TABLE amobill.mail_attempts (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	outbox_id	bigint NOT NULL
			REFERENCES amobill.mail_outbox (id) ON DELETE CASCADE,
	at		timestamptz NOT NULL DEFAULT now(),
	ok		boolean NOT NULL,
	detail		text NOT NULL CHECK (length(detail) <= 300)
);
CREATE INDEX mail_attempts_outbox_id ON amobill.mail_attempts (outbox_id);

-- The tokens of the links in mail, known by their SHA-256 only.  A token
-- is good for the address it was sent to, while that is still the user's
-- address, until it expires, once.
CREATE TABLE amobill.mail_tokens (
	token_hash	bytea PRIMARY KEY CHECK (length(token_hash) = 32),
	-- The kind of the message that carried it, a kind with a link.
	purpose		text NOT NULL,
	purpose_link	boolean NOT NULL DEFAULT true CHECK (purpose_link),
	FOREIGN KEY (purpose, purpose_link)
	    REFERENCES amobill.mail_kinds (kind, has_link),
	user_id		bigint NOT NULL
			REFERENCES amobill.users (id) ON DELETE CASCADE,
	email		text NOT NULL,
	outbox_id	bigint
			REFERENCES amobill.mail_outbox (id) ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz,
	CHECK (expires_at > created_at)
);
CREATE INDEX mail_tokens_user_id ON amobill.mail_tokens (user_id);

-- The reminders sent: one per period, number of days before its end and
-- customer, ever (the key makes running the scheduler again harmless).
CREATE TABLE amobill.mail_reminders (
	period_id	bigint NOT NULL REFERENCES amobill.license_periods (id)
			ON DELETE CASCADE,
	days		integer NOT NULL CHECK (days IN (1, 7)),
	user_id		bigint NOT NULL
			REFERENCES amobill.users (id) ON DELETE CASCADE,
	outbox_id	bigint
			REFERENCES amobill.mail_outbox (id) ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (period_id, days, user_id)
);
CREATE INDEX license_periods_ends_at ON amobill.license_periods (ends_at);

-- A new row wakes the mailer (it LISTENs); once per transaction.
CREATE FUNCTION amobill.mail_wake() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('mail_queued', '');
	RETURN NULL;
END
$$;
CREATE TRIGGER mail_outbox_wake
	AFTER INSERT ON amobill.mail_outbox
	FOR EACH STATEMENT EXECUTE FUNCTION amobill.mail_wake();

-- ---- What the messages say, as text ----

-- Days are amobill.day_text() (sql/003_users.sql).  The time of day as
-- mail tells it, in Almaty: "09:30".
CREATE FUNCTION amobill.mail_time(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN to_char(t AT TIME ZONE 'Asia/Almaty', 'HH24:MI');

-- An IIN or BIN as mail may show it: the first two and the last four
-- digits.
CREATE FUNCTION amobill.mail_mask_id(id text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN id IS NULL THEN NULL
	    ELSE left(id, 2) || '****' || right(id, 4) END;
$$;

-- Queues a message to a customer (p_to NULL: to the administrator).
CREATE FUNCTION amobill.mail_enqueue(p_kind text, p_user bigint, p_to text,
    p_data jsonb) RETURNS bigint
LANGUAGE sql AS $$
	INSERT INTO amobill.mail_outbox (kind, user_id, to_address, to_admin,
	    data)
	VALUES (p_kind, p_user, p_to, p_to IS NULL, p_data)
	RETURNING id;
$$;

-- ---- The events ----

-- Registration: the link that confirms the address.  A change of address
-- mails its own links (sql/015_email_change.sql) and is confirmed as it
-- takes effect.
CREATE FUNCTION amobill.mail_user_address() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
BEGIN
	PERFORM amobill.mail_enqueue('verify_email', NEW.id, NEW.email,
	    jsonb_build_object('login', NEW.login));
	RETURN NULL;
END
$$;
CREATE TRIGGER users_mail_registered
	AFTER INSERT ON amobill.users
	FOR EACH ROW EXECUTE FUNCTION amobill.mail_user_address();

-- Blocking (seed 8.2): the customer is told, with the reason's text.
CREATE FUNCTION amobill.mail_user_blocked() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
BEGIN
	PERFORM amobill.mail_enqueue('account_blocked', NEW.id, NEW.email,
	    jsonb_build_object('login', NEW.login,
	        'reason', NEW.blocked_reason,
	        'reason_text', (SELECT r.text FROM amobill.block_reasons r
	            WHERE r.code = NEW.blocked_reason),
	        'since', amobill.day_text(NEW.blocked_at)));
	RETURN NULL;
END
$$;
CREATE TRIGGER users_mail_blocked
	AFTER UPDATE OF blocked_at ON amobill.users
	FOR EACH ROW WHEN (OLD.blocked_at IS NULL AND NEW.blocked_at IS NOT NULL
	    AND NEW.erased_at IS NULL)
	EXECUTE FUNCTION amobill.mail_user_blocked();

-- Erasure (admin.erase_user) takes the user's mail and tokens with it.
CREATE FUNCTION amobill.mail_user_erased() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
BEGIN
	DELETE FROM amobill.mail_tokens WHERE user_id = NEW.id;
	DELETE FROM amobill.mail_outbox WHERE user_id = NEW.id;
	RETURN NULL;
END
$$;
CREATE TRIGGER users_mail_erased
	AFTER UPDATE OF erased_at ON amobill.users
	FOR EACH ROW WHEN (OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL)
	EXECUTE FUNCTION amobill.mail_user_erased();

-- A payment: the order, the amount and the period it bought (the period
-- is written before the order is marked paid, in apply_payment).
CREATE FUNCTION amobill.mail_order_paid() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
BEGIN
	PERFORM amobill.mail_enqueue('payment_received', u.id, u.email,
	    jsonb_build_object('login', u.login, 'inv_id', NEW.inv_id,
	        'amount_tiyn', NEW.amount_tiyn, 'plan', pl.name,
	        'host', a.host, 'paid', amobill.day_text(NEW.paid_at),
	        'starts', amobill.day_text(p.starts_at),
	        'ends', amobill.day_text(p.ends_at)))
	   FROM amobill.users u
	   JOIN amobill.amo_accounts a ON a.id = NEW.account_id
	   JOIN amobill.plans pl ON pl.code = NEW.plan_code
	   LEFT JOIN amobill.license_periods p ON p.inv_id = NEW.inv_id
	  WHERE u.id = NEW.user_id AND u.erased_at IS NULL;
	RETURN NULL;
END
$$;
CREATE TRIGGER orders_mail_paid
	AFTER UPDATE OF status ON amobill.orders
	FOR EACH ROW WHEN (OLD.status = 'unpaid' AND NEW.status = 'paid')
	EXECUTE FUNCTION amobill.mail_order_paid();

-- A refund request: the customer's notice, and the administrator's copy
-- with everything needed to decide and to pay (the recipient's IIN/BIN
-- masked: the full number is in admin.refunds_due).
CREATE FUNCTION amobill.mail_refund_requested() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	u	amobill.users%ROWTYPE;
	o	amobill.orders%ROWTYPE;
	host	text;
	common	jsonb;
BEGIN
	SELECT * INTO u FROM amobill.users WHERE id = NEW.user_id;
	SELECT * INTO o FROM amobill.orders WHERE inv_id = NEW.inv_id;
	SELECT a.host INTO host FROM amobill.amo_accounts a
	 WHERE a.id = o.account_id;
	common := jsonb_build_object('login', u.login, 'refund_id', NEW.id,
	    'inv_id', NEW.inv_id, 'amount_tiyn', NEW.amount_tiyn,
	    'host', host, 'requested', amobill.day_text(NEW.requested_at),
	    'days_total', NEW.days_total, 'days_used', NEW.days_used);
	PERFORM amobill.mail_enqueue('refund_requested', u.id, u.email,
	    common);
	PERFORM amobill.mail_enqueue('refund_request_admin', u.id, NULL,
	    common || jsonb_build_object('user_id', u.id,
	        'full_name', u.full_name, 'email', u.email,
	        'order_amount_tiyn', o.amount_tiyn,
	        'paid', amobill.day_text(o.paid_at), 'reason', NEW.reason,
	        'recipient', NEW.recipient,
	        'recipient_iin_bin', amobill.mail_mask_id(NEW.recipient_iin_bin),
	        'iban', NEW.iban, 'bic', NEW.bic));
	RETURN NULL;
END
$$;
CREATE TRIGGER refunds_mail_requested
	AFTER INSERT ON amobill.refunds
	FOR EACH ROW EXECUTE FUNCTION amobill.mail_refund_requested();

-- A decision and a payout.
CREATE FUNCTION amobill.mail_refund_decided() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
BEGIN
	PERFORM amobill.mail_enqueue('refund_' || NEW.status, u.id, u.email,
	    jsonb_build_object('login', u.login, 'refund_id', NEW.id,
	        'inv_id', NEW.inv_id, 'amount_tiyn', NEW.amount_tiyn,
	        'requested', amobill.day_text(NEW.requested_at),
	        'decided', amobill.day_text(NEW.decided_at),
	        'deadline', amobill.day_text(
	            amobill.payout_deadline(NEW.decided_at)),
	        'paid', amobill.day_text(NEW.paid_at),
	        'reference', NEW.payout_reference))
	   FROM amobill.users u
	  WHERE u.id = NEW.user_id AND u.erased_at IS NULL;
	RETURN NULL;
END
$$;
CREATE TRIGGER refunds_mail_decided
	AFTER UPDATE OF status ON amobill.refunds
	FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
	    AND NEW.status IN ('approved', 'rejected', 'paid'))
	EXECUTE FUNCTION amobill.mail_refund_decided();

REVOKE ALL ON FUNCTION amobill.mail_user_address(),
    amobill.mail_user_blocked(), amobill.mail_user_erased(),
    amobill.mail_order_paid(), amobill.mail_refund_requested(),
    amobill.mail_refund_decided(),
    amobill.mail_enqueue(text, bigint, text, jsonb) FROM PUBLIC;

-- ---- Password resets ----

-- Asked for at POST /password/forgot and queued (amobill.reset_requests,
-- sql/014_reset_requests.sql); the mailer resolves the queue each round
-- (amobill.mail_resolve_resets) into password_reset messages.

-- ---- Reminders (the mailer, on each round) ----

-- How many days are left until t, as the reminder tells it: Almaty
-- calendar days from today to t's day (the day the message names), at
-- least 1 (a license ending later today ends "через 1 день"); in words,
-- with the Russian plural: 1 день, 2-4 дня, 5-20 дней, 21 день, 22 дня,
-- 111 дней...  The one home of the count and its words.
CREATE FUNCTION amobill.days_left_text(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT n || ' ' || CASE
	    WHEN n % 10 = 1 AND n % 100 <> 11 THEN 'день'
	    WHEN n % 10 BETWEEN 2 AND 4 AND n % 100 NOT BETWEEN 12 AND 14
	        THEN 'дня'
	    ELSE 'дней' END
	  FROM (SELECT greatest(1, amobill.almaty_day(t)
	      - amobill.almaty_day(now())) AS n) d;
$$;

-- Queues the reminders due: for every license period (trials too) whose
-- license really ends with it (not revoked, no other period carrying on
-- from it) and that ends (amobill.period_end) within 7 days (but not
-- within 1) or within 1 day, one message to each customer who holds it
-- (amobill.period_holders: a paid period its payer, a trial or grant the
-- customers who paid for the account; an order never paid, nobody) and
-- is neither blocked nor erased; each (period, days, customer) once,
-- ever.  A trial of an account nobody paid for has no address: no
-- reminder.  The message says how many days are really left
-- (amobill.days_left_text), not the reminder's number.
-- Returns how many were queued.
CREATE FUNCTION amobill.mail_enqueue_reminders() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	r	record;
	n	integer := 0;
	msg	bigint;
BEGIN
	FOR r IN
		SELECT p.id AS period_id, d.days, u.id AS user_id, u.email,
		       u.login, a.host, p.kind, p.inv_id, e.ends_at
		  FROM amobill.license_periods p
		  CROSS JOIN LATERAL (SELECT amobill.period_end(p.ends_at,
		       p.revoked_at)) AS e (ends_at)
		  JOIN amobill.amo_accounts a ON a.id = p.account_id
		  CROSS JOIN (VALUES (7), (1)) AS d (days)
		  JOIN amobill.period_holders h ON h.period_id = p.id
		  JOIN amobill.users u ON u.id = h.user_id
		 WHERE e.ends_at > now()
		   AND e.ends_at <= now() + make_interval(days => d.days)
		   AND (d.days = 1 OR e.ends_at > now() + interval '1 day')
		   AND u.blocked_at IS NULL AND u.erased_at IS NULL
		   -- A revoked period ended when it was revoked: it is over.
		   AND NOT EXISTS (SELECT FROM amobill.license_periods q
		       WHERE q.account_id = p.account_id AND q.id <> p.id
		         AND q.starts_at <= e.ends_at
		         AND amobill.period_end(q.ends_at, q.revoked_at)
		             > e.ends_at)
		   AND NOT EXISTS (SELECT FROM amobill.mail_reminders m
		       WHERE m.period_id = p.id AND m.days = d.days
		         AND m.user_id = u.id)
		 ORDER BY p.ends_at, p.id, d.days, u.id
	LOOP
		-- A scheduler running at the same time waits here, then
		-- finds the key taken.
		INSERT INTO amobill.mail_reminders (period_id, days, user_id)
		VALUES (r.period_id, r.days, r.user_id) ON CONFLICT DO NOTHING;
		CONTINUE WHEN NOT FOUND;
		msg := amobill.mail_enqueue('license_ending', r.user_id,
		    r.email, jsonb_build_object('login', r.login, 'days', r.days,
		        'days_text', amobill.days_left_text(r.ends_at),
		        'what', CASE r.kind WHEN 'trial' THEN 'Пробный период'
		            ELSE 'Подписка' END,
		        'host', r.host, 'kind', r.kind, 'inv_id', r.inv_id,
		        'ends', amobill.day_text(r.ends_at),
		        'ends_time', amobill.mail_time(r.ends_at)));
		UPDATE amobill.mail_reminders SET outbox_id = msg
		 WHERE period_id = r.period_id AND days = r.days
		   AND user_id = r.user_id;
		n := n + 1;
	END LOOP;
	-- Tokens long expired are of no use to anyone.
	DELETE FROM amobill.mail_tokens
	 WHERE expires_at < now() - interval '30 days';
	RETURN n;
END
$$;
REVOKE ALL ON FUNCTION amobill.mail_enqueue_reminders() FROM PUBLIC;

-- ---- Administrators ----

-- The queue as an administrator sees it: no message's data, only where
-- it goes, how it went and the last attempt's verdict.
CREATE VIEW admin.mail_queue AS
	SELECT o.id AS mail_id, o.kind,
	       coalesce(o.to_address, 'admin_email') AS recipient, o.user_id,
	       o.state, o.attempts, o.created_at, o.next_attempt_at,
	       o.give_up_at, o.sent_at,
	       (SELECT a.detail FROM amobill.mail_attempts a
	         WHERE a.outbox_id = o.id ORDER BY a.id DESC LIMIT 1)
	           AS last_attempt
	  FROM amobill.mail_outbox o
	 ORDER BY o.id DESC;

-- Sends a message given up on again (after a long outage), for two more
-- days.
CREATE FUNCTION admin.retry_mail(p_mail_id bigint, p_note text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	n	text := amobill.require_note(p_note);
BEGIN
	UPDATE amobill.mail_outbox SET state = 'pending',
	    next_attempt_at = now(), give_up_at = now() + interval '2 days'
	 WHERE id = p_mail_id AND state = 'failed';
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no failed message %', p_mail_id;
	END IF;
	PERFORM pg_notify('mail_queued', '');
	PERFORM amobill.audit_write('retry_mail', 'mail ' || p_mail_id, n);
END
$$;
REVOKE ALL ON FUNCTION admin.retry_mail(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION admin.retry_mail(bigint, text) TO amobill_admin;
GRANT SELECT ON admin.mail_queue TO amobill_admin;

-- ---- Grants ----

-- mailer: takes due messages, records attempts, makes link tokens.
GRANT SELECT, UPDATE (state, attempts, next_attempt_at, sent_at,
    message_id, message) ON amobill.mail_outbox TO amobill_mail;
GRANT INSERT ON amobill.mail_attempts TO amobill_mail;
GRANT INSERT, SELECT (expires_at) ON amobill.mail_tokens TO amobill_mail;
GRANT SELECT ON amobill.mail_kinds TO amobill_mail;
GRANT EXECUTE ON FUNCTION amobill.mail_enqueue_reminders() TO amobill_mail;

-- account: resets and confirmations.
GRANT SELECT, UPDATE (used_at) ON amobill.mail_tokens TO amobill_account;
GRANT UPDATE (email_verified_at) ON amobill.users TO amobill_account;
