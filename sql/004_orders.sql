-- Selling: plans, the widget catalogue, amoCRM accounts, orders, the
-- offer acceptances that payment makes, every ResultURL call, and the
-- license periods a payment adds.  Money is whole tiyn (bigint).

CREATE TABLE amobill.plans (
	code		text PRIMARY KEY CHECK (code ~ '^[a-z0-9-]{1,32}$'),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	price_tiyn	bigint NOT NULL CHECK (price_tiyn > 0),
	term_months	integer NOT NULL CHECK (term_months BETWEEN 1 AND 36)
);

CREATE TABLE amobill.widgets (
	code		text PRIMARY KEY CHECK (code ~ '^[a-z0-9_-]{1,32}$'),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	description	text NOT NULL CHECK (length(description) <= 1000)
);

-- An amoCRM (or Kommo) account: by its host from checkout on, by its
-- account_id from its first verified license check on.
CREATE TABLE amobill.amo_accounts (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	host		text UNIQUE CHECK (host ~
			    '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.(amocrm\.ru|kommo\.com|amocrm\.com)$'),
	amo_account_id	bigint UNIQUE CHECK (amo_account_id > 0),
	created_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (host IS NOT NULL OR amo_account_id IS NOT NULL)
);

-- Robokassa's InvId is the order's number: unique, 1 .. 2^31-1.
CREATE SEQUENCE amobill.orders_inv_id AS integer START 1000001 MAXVALUE 2147483647;

CREATE TABLE amobill.orders (
	inv_id		integer PRIMARY KEY
			DEFAULT nextval('amobill.orders_inv_id')
			CHECK (inv_id BETWEEN 1 AND 2147483647),
	user_id		bigint NOT NULL REFERENCES amobill.users (id),
	plan_code	text NOT NULL REFERENCES amobill.plans (code),
	account_id	bigint NOT NULL REFERENCES amobill.amo_accounts (id),
	amount_tiyn	bigint NOT NULL CHECK (amount_tiyn > 0),
	status		text NOT NULL DEFAULT 'unpaid'
			CHECK (status IN ('unpaid', 'paid', 'refunded')),
	-- The offer the customer accepted at checkout, and from where.
	offer_id	bigint NOT NULL REFERENCES amobill.documents (id),
	checkout_ip	inet NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	paid_at		timestamptz,
	CHECK ((status = 'unpaid') = (paid_at IS NULL))
);
ALTER SEQUENCE amobill.orders_inv_id OWNED BY amobill.orders.inv_id;
CREATE INDEX orders_user_id ON amobill.orders (user_id);
CREATE INDEX orders_unpaid ON amobill.orders (created_at) WHERE status = 'unpaid';

-- Payment is acceptance of the offer (seed 3.2): one per paid order.
CREATE TABLE amobill.acceptances (
	inv_id		integer PRIMARY KEY REFERENCES amobill.orders (inv_id),
	offer_id	bigint NOT NULL REFERENCES amobill.documents (id),
	accepted_at	timestamptz NOT NULL,
	ip		inet NOT NULL
);

-- Every ResultURL call, whatever its outcome, and every payment found by
-- reconciliation.
CREATE TABLE amobill.payment_events (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	received_at	timestamptz NOT NULL DEFAULT now(),
	source		text NOT NULL CHECK (source IN ('result_url', 'opstate')),
	source_ip	inet,
	method		text CHECK (method IN ('GET', 'POST')),
	params		jsonb,
	inv_id		integer,
	outcome		text NOT NULL CHECK (outcome IN ('paid', 'already_paid',
			    'unknown_order', 'amount_mismatch', 'bad_signature',
			    'malformed'))
);
CREATE INDEX payment_events_inv_id ON amobill.payment_events (inv_id);

-- A license is a set of periods per account.  A paid period belongs to
-- one order, and an order has at most one; a grant is time an
-- administrator added (admin.extend_license) and counts as paid.  The
-- paid and granted periods of an account follow one another without a
-- gap: each new one starts where the last still running ends
-- (amobill.next_period_start), and when one is revoked the ones queued
-- behind it move up (amobill.revoke_period, sql/006_licensing.sql).
CREATE TABLE amobill.license_periods (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	account_id	bigint NOT NULL REFERENCES amobill.amo_accounts (id),
	kind		text NOT NULL CHECK (kind IN ('paid', 'grant', 'trial')),
	inv_id		integer UNIQUE REFERENCES amobill.orders (inv_id),
	starts_at	timestamptz NOT NULL,
	ends_at		timestamptz NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	-- An approved refund ends its order's period at once: it is
	-- revoked, not shortened, so that the record of what was bought
	-- stays.
	revoked_at	timestamptz,
	CHECK (ends_at >= starts_at),
	CHECK ((kind = 'paid') = (inv_id IS NOT NULL)),
	CONSTRAINT license_periods_revoked_paid
	    CHECK (revoked_at IS NULL OR kind = 'paid')
);
CREATE INDEX license_periods_account ON amobill.license_periods (account_id, ends_at);
-- One trial per account, ever.
CREATE UNIQUE INDEX license_periods_one_trial ON amobill.license_periods (account_id)
	WHERE kind = 'trial';

-- A period's effective end: its end, or the moment it was revoked if that
-- came first.  The one home of the rule: every query asks this.
CREATE FUNCTION amobill.period_end(ends_at timestamptz, revoked_at timestamptz)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN least(ends_at, revoked_at);

-- Where a new paid or granted period of an account starts: at the
-- effective end of what is still running or queued (a revoked period
-- counts until its revocation only), or now if that is later.  Trials do
-- not count: a payment ends a running one.  The one home of the rule
-- (apply_payment, admin.extend_license); the caller holds the account's
-- row lock, so that two new periods never start at the same place.
CREATE FUNCTION amobill.next_period_start(p_account bigint)
RETURNS timestamptz
LANGUAGE sql STABLE SET search_path = pg_catalog, amobill AS $$
	SELECT greatest(now(), max(amobill.period_end(p.ends_at, p.revoked_at)))
	  FROM amobill.license_periods p
	 WHERE p.account_id = p_account AND p.kind <> 'trial';
$$;

-- Checkout: the order for a user's account at the plan's price, with the
-- offer in force.  Returns the InvId.
CREATE FUNCTION amobill.create_order(p_user bigint, p_plan text, p_host text,
    p_ip inet) RETURNS TABLE (inv_id integer, amount_tiyn bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	acc	bigint;
	offer	bigint;
	price	bigint;
BEGIN
	SELECT p.price_tiyn INTO price FROM amobill.plans p WHERE p.code = p_plan;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'unknown plan' USING ERRCODE = 'P0002';
	END IF;
	SELECT d.id INTO offer FROM amobill.current_documents d WHERE d.kind = 'offer';
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no offer is published' USING ERRCODE = 'P0003';
	END IF;
	INSERT INTO amobill.amo_accounts (host) VALUES (p_host)
	ON CONFLICT (host) DO NOTHING;
	SELECT a.id INTO acc FROM amobill.amo_accounts a WHERE a.host = p_host;
	RETURN QUERY INSERT INTO amobill.orders AS o (user_id, plan_code,
	    account_id, amount_tiyn, offer_id, checkout_ip)
	VALUES (p_user, p_plan, acc, price, offer, p_ip)
	RETURNING o.inv_id, o.amount_tiyn;
END
$$;

-- The one path by which an order becomes paid (ResultURL and
-- reconciliation both come here).  Locks the order, checks the amount, and
-- on the first call marks it paid, adds the license period from the later
-- of now and the effective end of the account's paid time
-- (next_period_start), ends a running trial, records the acceptance of
-- the offer, and tells license checks.  A repeat has no second effect.
CREATE FUNCTION amobill.apply_payment(p_inv_id integer, p_tiyn bigint)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, amobill SET TimeZone = 'Asia/Almaty' AS $$
DECLARE
	o	amobill.orders%ROWTYPE;
	months	integer;
	start	timestamptz;
BEGIN
	SELECT * INTO o FROM amobill.orders WHERE inv_id = p_inv_id FOR UPDATE;
	IF NOT FOUND THEN
		RETURN 'unknown_order';
	END IF;
	IF o.amount_tiyn <> p_tiyn THEN
		RETURN 'amount_mismatch';
	END IF;
	IF o.status <> 'unpaid' THEN
		RETURN 'already_paid';
	END IF;
	-- Payments, extensions and revocations for one account are applied
	-- one at a time (each takes this lock first): the end read here is
	-- the one committed last.  NO KEY: the foreign-key checks of a
	-- checkout for the same account do not wait for it.
	PERFORM 1 FROM amobill.amo_accounts WHERE id = o.account_id
	    FOR NO KEY UPDATE;
	SELECT term_months INTO months FROM amobill.plans WHERE code = o.plan_code;
	start := amobill.next_period_start(o.account_id);
	INSERT INTO amobill.license_periods (account_id, kind, inv_id,
	    starts_at, ends_at)
	VALUES (o.account_id, 'paid', o.inv_id, start,
	    start + make_interval(months => months));
	UPDATE amobill.license_periods SET ends_at = greatest(starts_at, now())
	 WHERE account_id = o.account_id AND kind = 'trial' AND ends_at > now();
	UPDATE amobill.orders SET status = 'paid', paid_at = now()
	 WHERE inv_id = o.inv_id;
	INSERT INTO amobill.acceptances (inv_id, offer_id, accepted_at, ip)
	VALUES (o.inv_id, o.offer_id, now(), o.checkout_ip);
	PERFORM pg_notify('license_changed', o.account_id::text);
	RETURN 'paid';
END
$$;

-- A ResultURL call: applied (when its signature was good) and recorded in
-- one transaction.  verdict is 'ok' for a verified call, else the outcome
-- to record.
CREATE FUNCTION amobill.result_call(p_ip inet, p_method text, p_params jsonb,
    p_inv_id integer, p_tiyn bigint, p_verdict text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	outcome	text := p_verdict;
BEGIN
	IF p_verdict = 'ok' THEN
		outcome := amobill.apply_payment(p_inv_id, p_tiyn);
	END IF;
	INSERT INTO amobill.payment_events (source, source_ip, method, params,
	    inv_id, outcome)
	VALUES ('result_url', p_ip, p_method, p_params, p_inv_id, outcome);
	RETURN outcome;
END
$$;

-- Reconciliation: Robokassa's OpStateExt says the order is paid.
CREATE FUNCTION amobill.reconcile_payment(p_inv_id integer, p_tiyn bigint,
    p_params jsonb) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	outcome	text;
BEGIN
	outcome := amobill.apply_payment(p_inv_id, p_tiyn);
	INSERT INTO amobill.payment_events (source, params, inv_id, outcome)
	VALUES ('opstate', p_params, p_inv_id, outcome);
	RETURN outcome;
END
$$;

REVOKE ALL ON FUNCTION amobill.create_order(bigint, text, text, inet),
    amobill.next_period_start(bigint),
    amobill.apply_payment(integer, bigint),
    amobill.result_call(inet, text, jsonb, integer, bigint, text),
    amobill.reconcile_payment(integer, bigint, jsonb) FROM PUBLIC;

-- checkout: sessions, creating orders, the success page.
GRANT SELECT ON amobill.sessions TO amobill_checkout;
GRANT SELECT (id, login, email) ON amobill.users TO amobill_checkout;
GRANT SELECT ON amobill.plans, amobill.current_documents TO amobill_checkout;
GRANT SELECT ON amobill.orders, amobill.amo_accounts, amobill.license_periods
    TO amobill_checkout;
GRANT EXECUTE ON FUNCTION amobill.create_order(bigint, text, text, inet)
    TO amobill_checkout;

-- robokassa-result and reconciliation.
GRANT EXECUTE ON FUNCTION amobill.result_call(inet, text, jsonb, integer,
    bigint, text), amobill.reconcile_payment(integer, bigint, jsonb)
    TO amobill_payment;
GRANT SELECT (inv_id, amount_tiyn, status, created_at) ON amobill.orders
    TO amobill_payment;

-- account: the cabinet lists the user's orders and licenses.
GRANT SELECT ON amobill.orders, amobill.amo_accounts, amobill.license_periods,
    amobill.plans TO amobill_account;

-- license-check reads the catalogue.
GRANT SELECT ON amobill.widgets TO amobill_license;
