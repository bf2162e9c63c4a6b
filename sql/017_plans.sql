-- Plans that name their widgets, what each period entitles, and how much
-- each account uses each widget (issue 13; contract §3, §5).
--
-- A plan is a bundle (every catalogue widget, widgets added later
-- included) or names its widgets.  A plan once published never changes
-- what it sells: a period bought under it keeps exactly those widgets;
-- retiring it only ends its sale.  A paid period carries its order's
-- plan, a grant the plan it extends, a trial none (it covers every
-- widget).
--
-- Extending across plans: a new paid period starts at the end of what
-- is running or queued of the same plan, and at once for another plan.
-- Queued behind another plan, a customer who moves from one widget to
-- the bundle would pay for widgets they could not use until the old
-- period ran out; starting at once, the two run side by side and each
-- widget is licensed while any period covering it runs.

ALTER TABLE amobill.plans
	ADD COLUMN bundle boolean NOT NULL DEFAULT true,
	ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
	ADD COLUMN retired_at timestamptz,
	-- plan_widgets' key: only a plan that is not a bundle names widgets.
	ADD CONSTRAINT plans_code_bundle UNIQUE (code, bundle);

CREATE TABLE amobill.plan_widgets (
	plan_code	text NOT NULL,
	bundle		boolean NOT NULL DEFAULT false CHECK (NOT bundle),
	widget_code	text NOT NULL REFERENCES amobill.widgets (code),
	PRIMARY KEY (plan_code, widget_code),
	FOREIGN KEY (plan_code, bundle) REFERENCES amobill.plans (code, bundle)
);

-- Whether a period of plan p_plan (NULL: a trial, or a grant with no
-- plan before it) covers widget p_widget (NULL: asks about the account as
-- a whole).  The one home of the rule.
CREATE FUNCTION amobill.plan_covers(p_plan text, p_widget text)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, amobill AS $$
	SELECT p_plan IS NULL OR p_widget IS NULL
	    OR EXISTS (SELECT FROM amobill.plans p
	        WHERE p.code = p_plan AND p.bundle)
	    OR EXISTS (SELECT FROM amobill.plan_widgets w
	        WHERE w.plan_code = p_plan AND w.widget_code = p_widget);
$$;

-- The catalogue widgets a plan covers, by code.
CREATE FUNCTION amobill.plan_widget_codes(p_plan text) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, amobill AS $$
	SELECT coalesce(array_agg(w.code ORDER BY w.code), '{}')
	  FROM amobill.widgets w WHERE amobill.plan_covers(p_plan, w.code);
$$;

-- What is for sale: the bundles first, then by price.
CREATE VIEW amobill.plans_on_sale AS
	SELECT p.code, p.name, p.price_tiyn, p.term_months, p.bundle,
	       amobill.plan_widget_codes(p.code) AS widgets,
	       row_number() OVER (ORDER BY p.bundle DESC, p.price_tiyn DESC,
	           p.code) AS position
	  FROM amobill.plans p
	 WHERE p.retired_at IS NULL;

ALTER TABLE amobill.orders
	ADD CONSTRAINT orders_inv_id_plan UNIQUE (inv_id, plan_code);

ALTER TABLE amobill.license_periods
	ADD COLUMN plan_code text REFERENCES amobill.plans (code);
-- A development data folder from before holds paid periods already.
UPDATE amobill.license_periods p SET plan_code = o.plan_code
  FROM amobill.orders o WHERE o.inv_id = p.inv_id;
ALTER TABLE amobill.license_periods
	ADD CONSTRAINT license_periods_trial_no_plan
	    CHECK (kind <> 'trial' OR plan_code IS NULL),
	ADD CONSTRAINT license_periods_paid_plan
	    CHECK (kind <> 'paid' OR plan_code IS NOT NULL),
	-- A paid period's plan is its order's.
	ADD CONSTRAINT license_periods_order_plan
	    FOREIGN KEY (inv_id, plan_code)
	    REFERENCES amobill.orders (inv_id, plan_code);

-- Where a new paid or granted period of plan p_plan starts: at the
-- effective end of what of that plan is still running or queued, or now.
-- Replaces the one-queue rule of sql/004; the caller holds the account's
-- row lock, as before.
DROP FUNCTION amobill.next_period_start(bigint);
CREATE FUNCTION amobill.next_period_start(p_account bigint, p_plan text)
RETURNS timestamptz
LANGUAGE sql STABLE SET search_path = pg_catalog, amobill AS $$
	SELECT greatest(now(), max(amobill.period_end(p.ends_at, p.revoked_at)))
	  FROM amobill.license_periods p
	 WHERE p.account_id = p_account AND p.kind <> 'trial'
	   AND p.plan_code IS NOT DISTINCT FROM p_plan;
$$;
REVOKE ALL ON FUNCTION amobill.next_period_start(bigint, text) FROM PUBLIC;

-- Checkout: as in sql/004, for a plan on sale only.
CREATE OR REPLACE FUNCTION amobill.create_order(p_user bigint, p_plan text,
    p_host text, p_ip inet) RETURNS TABLE (inv_id integer, amount_tiyn bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	acc	bigint;
	offer	bigint;
	price	bigint;
BEGIN
	SELECT p.price_tiyn INTO price FROM amobill.plans p
	 WHERE p.code = p_plan AND p.retired_at IS NULL;
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

-- The one path by which an order becomes paid; as in sql/004, with the
-- period of the order's plan, queued behind that plan's only.
CREATE OR REPLACE FUNCTION amobill.apply_payment(p_inv_id integer,
    p_tiyn bigint) RETURNS text
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
	-- one at a time (each takes this lock first).  NO KEY: the
	-- foreign-key checks of a checkout for the same account do not wait.
	PERFORM 1 FROM amobill.amo_accounts WHERE id = o.account_id
	    FOR NO KEY UPDATE;
	-- A plan retired since the order was made is still the one paid for.
	SELECT term_months INTO months FROM amobill.plans WHERE code = o.plan_code;
	start := amobill.next_period_start(o.account_id, o.plan_code);
	INSERT INTO amobill.license_periods (account_id, kind, inv_id,
	    plan_code, starts_at, ends_at)
	VALUES (o.account_id, 'paid', o.inv_id, o.plan_code, start,
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

-- As in sql/006, but the periods that move up are those queued behind
-- the revoked one: of its plan.
CREATE OR REPLACE FUNCTION amobill.revoke_period(p_inv integer)
RETURNS boolean
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
	-- In seconds, whatever the session's TimeZone (sql/006).
	gap := make_interval(secs => extract(epoch FROM p.ends_at -
	    greatest(p.starts_at, amobill.period_end(p.ends_at, p.revoked_at))));
	IF gap > interval '0' THEN
		UPDATE amobill.license_periods
		   SET starts_at = starts_at - gap, ends_at = ends_at - gap
		 WHERE account_id = acc AND kind <> 'trial'
		   AND plan_code IS NOT DISTINCT FROM p.plan_code
		   AND revoked_at IS NULL AND starts_at >= p.ends_at;
	END IF;
	RETURN true;
END
$$;

-- Time an administrator gives (sql/008): it extends the account's plan
-- whose time ends last (what the customer holds now, or held last), and
-- covers what that plan covers; with no plan ever bought, every widget.
CREATE OR REPLACE FUNCTION admin.extend_license(p_amo_domain text,
    p_days integer, p_note text) RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, amobill SET TimeZone = 'Asia/Almaty' AS $$
DECLARE
	n	text := amobill.require_note(p_note);
	h	text := lower(btrim(coalesce(p_amo_domain, '')));
	acc	bigint;
	plan	text;
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
	SELECT p.plan_code INTO plan FROM amobill.license_periods p
	 WHERE p.account_id = acc AND p.kind <> 'trial'
	 ORDER BY amobill.period_end(p.ends_at, p.revoked_at) DESC LIMIT 1;
	start := amobill.next_period_start(acc, plan);
	INSERT INTO amobill.license_periods (account_id, kind, plan_code,
	    starts_at, ends_at)
	VALUES (acc, 'grant', plan, start, start + make_interval(days => p_days));
	PERFORM amobill.audit_write('extend_license', h, p_days || ' days' ||
	    coalesce(' of plan ' || plan, '') || ': ' || n);
	RETURN start + make_interval(days => p_days);
END
$$;

-- An account's license for one widget (NULL: for any widget, the
-- account as a whole, as the administrator's views ask).  Only the
-- periods that cover the widget count, with sql/006's rules: VALID,
-- TRIAL, SUSPENDED, EXPIRED; and NOT_ENTITLED when none of them runs but
-- a period of another plan does (the customer holds a plan without this
-- widget).  expires_at: the end of the time covered without a gap from
-- now on (or of the last covering period; NULL if none ever covered it);
-- recheck_at: when the answer can next change without any write.
CREATE FUNCTION amobill.widget_license_state(p_account bigint, p_widget text)
RETURNS TABLE (code text, kind text, expires_at timestamptz,
    recheck_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, amobill AS $$
#variable_conflict use_column
DECLARE
	cur	record;
	e	timestamptz;
	nxt	timestamptz;
	other	timestamptz;
BEGIN
	-- Paid and granted time are the same to the customer.
	SELECT p.kind = 'trial' AS trial,
	    amobill.period_end(p.ends_at, p.revoked_at) AS until
	  INTO cur
	  FROM amobill.license_periods p
	 WHERE p.account_id = p_account AND p.starts_at <= now()
	   AND now() < amobill.period_end(p.ends_at, p.revoked_at)
	   AND amobill.plan_covers(p.plan_code, p_widget)
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
			   AND amobill.plan_covers(p.plan_code, p_widget)
			   AND NOT amobill.period_blocked(p.id)
			 ORDER BY 1 DESC LIMIT 1;
			EXIT WHEN NOT FOUND;
			e := nxt;
		END LOOP;
		code := CASE WHEN cur.trial THEN 'TRIAL' ELSE 'VALID' END;
		kind := CASE WHEN cur.trial THEN 'trial' ELSE 'paid' END;
		expires_at := e;
		recheck_at := cur.until;
		RETURN NEXT;
		RETURN;
	END IF;
	-- Blocked or refunded: SUSPENDED until the block is lifted (a
	-- notification) or the period ends, when what follows it may run.
	SELECT 'SUSPENDED', 'paid',
	    max(amobill.period_end(p.ends_at, p.revoked_at))
	  INTO code, kind, expires_at
	  FROM amobill.license_periods p
	 WHERE p.account_id = p_account AND p.starts_at <= now()
	   AND now() < amobill.period_end(p.ends_at, p.revoked_at)
	   AND amobill.plan_covers(p.plan_code, p_widget)
	   AND amobill.period_blocked(p.id);
	IF expires_at IS NULL THEN
		SELECT 'SUSPENDED', 'paid', max(p.ends_at)
		  INTO code, kind, expires_at
		  FROM amobill.license_periods p
		 WHERE p.account_id = p_account AND p.revoked_at <= now()
		   AND p.starts_at <= now() AND now() < p.ends_at
		   AND amobill.plan_covers(p.plan_code, p_widget);
	END IF;
	IF expires_at IS NOT NULL THEN
		recheck_at := expires_at;
		RETURN NEXT;
		RETURN;
	END IF;
	SELECT min(p.starts_at) INTO recheck_at
	  FROM amobill.license_periods p
	 WHERE p.account_id = p_account AND p.starts_at > now()
	   AND amobill.plan_covers(p.plan_code, p_widget);
	-- A period of a plan without this widget runs (and is not
	-- suspended: a blocked customer is told SUSPENDED by the widgets
	-- they paid for, not NOT_ENTITLED by the others).
	SELECT min(amobill.period_end(p.ends_at, p.revoked_at)) INTO other
	  FROM amobill.license_periods p
	 WHERE p.account_id = p_account AND p.kind <> 'trial'
	   AND p.starts_at <= now()
	   AND now() < amobill.period_end(p.ends_at, p.revoked_at)
	   AND NOT amobill.period_blocked(p.id);
	IF other IS NOT NULL THEN
		code := 'NOT_ENTITLED';
		kind := 'paid';
		expires_at := NULL;
		recheck_at := least(recheck_at, other);
		RETURN NEXT;
		RETURN;
	END IF;
	code := 'EXPIRED';
	SELECT CASE p.kind WHEN 'trial' THEN 'trial' ELSE 'paid' END,
	    amobill.period_end(p.ends_at, p.revoked_at)
	  INTO kind, expires_at
	  FROM amobill.license_periods p
	 WHERE p.account_id = p_account
	   AND amobill.plan_covers(p.plan_code, p_widget)
	 ORDER BY amobill.period_end(p.ends_at, p.revoked_at) DESC LIMIT 1;
	RETURN NEXT;
END
$$;

-- The account as a whole (sql/006's function, for the administrator's
-- views): the same rules, every period counting.
CREATE OR REPLACE FUNCTION amobill.license_state(p_account bigint)
RETURNS TABLE (code text, kind text, expires_at timestamptz,
    recheck_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, amobill AS $$
	SELECT * FROM amobill.widget_license_state(p_account, NULL);
$$;

-- A verified license check of account p_amo_id for widget p_widget: as
-- sql/006's, with the widget.
DROP FUNCTION amobill.license_check(bigint, text, integer);
CREATE FUNCTION amobill.license_check(p_amo_id bigint, p_host text,
    p_widget text, p_trial_days integer)
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
	  FROM amobill.widget_license_state(acc, p_widget) s;
END
$$;

-- ---- Usage: checks and distinct amoCRM users per account, widget and
-- Almaty day, written by license-check in batches ----

CREATE TABLE amobill.widget_usage (
	account_id	bigint NOT NULL REFERENCES amobill.amo_accounts (id),
	widget_code	text NOT NULL REFERENCES amobill.widgets (code),
	day		date NOT NULL,
	checks		bigint NOT NULL CHECK (checks > 0),
	PRIMARY KEY (account_id, widget_code, day)
);

CREATE TABLE amobill.widget_usage_users (
	account_id	bigint NOT NULL,
	widget_code	text NOT NULL,
	day		date NOT NULL,
	amo_user_id	bigint NOT NULL CHECK (amo_user_id > 0),
	PRIMARY KEY (account_id, widget_code, day, amo_user_id),
	FOREIGN KEY (account_id, widget_code, day)
	    REFERENCES amobill.widget_usage (account_id, widget_code, day)
);

-- A worker's batch: counts per (account, widget, hour since the epoch),
-- and the users seen per (account, widget, hour).  Kazakhstan's offsets
-- from UTC have always been whole hours, so an hour falls in one Almaty
-- day: the worker need not know the calendar, the database does.
CREATE FUNCTION amobill.record_usage(p_accounts bigint[], p_widgets text[],
    p_hours bigint[], p_checks bigint[], p_user_accounts bigint[],
    p_user_widgets text[], p_user_hours bigint[], p_users bigint[])
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
	INSERT INTO amobill.widget_usage AS u (account_id, widget_code, day,
	    checks)
	SELECT a, w, (to_timestamp(h * 3600) AT TIME ZONE 'Asia/Almaty')::date,
	       sum(n)
	  FROM unnest(p_accounts, p_widgets, p_hours, p_checks) AS t (a, w, h, n)
	 WHERE n > 0
	 GROUP BY 1, 2, 3
	ON CONFLICT (account_id, widget_code, day)
	DO UPDATE SET checks = u.checks + EXCLUDED.checks;
	INSERT INTO amobill.widget_usage_users (account_id, widget_code, day,
	    amo_user_id)
	SELECT DISTINCT a, w,
	       (to_timestamp(h * 3600) AT TIME ZONE 'Asia/Almaty')::date, id
	  FROM unnest(p_user_accounts, p_user_widgets, p_user_hours, p_users)
	       AS t (a, w, h, id)
	ON CONFLICT DO NOTHING;
$$;

CREATE VIEW admin.widget_usage AS
	SELECT a.host AS amo_domain, a.amo_account_id, u.widget_code AS widget,
	       u.day, u.checks,
	       (SELECT count(*) FROM amobill.widget_usage_users x
	         WHERE x.account_id = u.account_id
	           AND x.widget_code = u.widget_code AND x.day = u.day) AS users
	  FROM amobill.widget_usage u
	  JOIN amobill.amo_accounts a ON a.id = u.account_id
	 ORDER BY u.day DESC, a.host, u.widget_code;

-- ---- The administrator's functions for plans (audited) ----

-- Puts a plan on sale.  p_widgets NULL: a bundle of every catalogue
-- widget, later ones included.  A plan's code names what it sells for
-- good: publishing an existing code again puts it back on sale if it
-- was retired and its terms are the same, and is refused otherwise.
CREATE FUNCTION admin.publish_plan(p_code text, p_name text,
    p_price numeric, p_term_months integer, p_widgets text[], p_note text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	n	text := amobill.require_note(p_note);
	tiyn	bigint;
	old	amobill.plans%ROWTYPE;
	w	text;
BEGIN
	IF p_price IS NULL OR p_price <= 0 OR p_price * 100 <> trunc(p_price * 100) THEN
		RAISE EXCEPTION 'price must be a positive amount of tenge with at most 2 decimals';
	END IF;
	tiyn := (p_price * 100)::bigint;
	IF p_widgets IS NOT NULL THEN
		IF cardinality(p_widgets) = 0 THEN
			RAISE EXCEPTION 'a plan names at least one widget (NULL: every widget)';
		END IF;
		FOREACH w IN ARRAY p_widgets LOOP
			IF w IS NULL OR NOT EXISTS (SELECT FROM amobill.widgets
			    WHERE code = w) THEN
				RAISE EXCEPTION 'no widget % in the catalogue', w;
			END IF;
		END LOOP;
	END IF;
	SELECT * INTO old FROM amobill.plans WHERE code = p_code FOR UPDATE;
	IF FOUND THEN
		IF old.name IS DISTINCT FROM p_name OR old.price_tiyn <> tiyn OR
		    old.term_months IS DISTINCT FROM p_term_months OR
		    old.bundle <> (p_widgets IS NULL) OR
		    (p_widgets IS NOT NULL AND amobill.plan_widget_codes(p_code)
		     <> ARRAY(SELECT DISTINCT unnest(p_widgets) ORDER BY 1)) THEN
			RAISE EXCEPTION 'plan % exists with other terms: publish it under a new code', p_code;
		END IF;
		IF old.retired_at IS NULL THEN
			RAISE EXCEPTION 'plan % is already on sale', p_code;
		END IF;
		UPDATE amobill.plans SET retired_at = NULL WHERE code = p_code;
	ELSE
		INSERT INTO amobill.plans (code, name, price_tiyn, term_months,
		    bundle)
		VALUES (p_code, p_name, tiyn, p_term_months, p_widgets IS NULL);
		INSERT INTO amobill.plan_widgets (plan_code, widget_code)
		SELECT DISTINCT p_code, unnest(p_widgets);
	END IF;
	PERFORM pg_notify('license_changed', 'plans');
	PERFORM amobill.audit_write('publish_plan', 'plan ' || p_code,
	    p_price || ' KZT, ' || p_term_months || ' months, ' ||
	    coalesce(array_to_string(p_widgets, ', '), 'every widget') || ': ' || n);
END
$$;

-- Ends a plan's sale; the periods bought under it keep it.
CREATE FUNCTION admin.retire_plan(p_code text, p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	n	text := amobill.require_note(p_note);
BEGIN
	UPDATE amobill.plans SET retired_at = now()
	 WHERE code = p_code AND retired_at IS NULL;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no plan % on sale', p_code;
	END IF;
	PERFORM pg_notify('license_changed', 'plans');
	PERFORM amobill.audit_write('retire_plan', 'plan ' || p_code, n);
END
$$;

CREATE VIEW admin.plans AS
	SELECT p.code, p.name, p.price_tiyn / 100.0 AS price, p.term_months,
	       p.bundle, amobill.plan_widget_codes(p.code) AS widgets,
	       p.created_at, p.retired_at,
	       (SELECT count(*) FROM amobill.orders o
	         WHERE o.plan_code = p.code AND o.paid_at IS NOT NULL) AS orders_paid
	  FROM amobill.plans p
	 ORDER BY p.retired_at IS NOT NULL, p.bundle DESC, p.price_tiyn DESC, p.code;

-- What each license period covers, for the administrator.
CREATE OR REPLACE VIEW admin.active_licenses AS
	SELECT a.host AS amo_domain, a.amo_account_id, p.kind, p.inv_id,
	       p.starts_at, amobill.period_end(p.ends_at, p.revoked_at) AS ends_at,
	       (SELECT string_agg(DISTINCT u.login, ', ')
		  FROM amobill.period_holders h
		  JOIN amobill.users u ON u.id = h.user_id
		 WHERE h.period_id = p.id) AS customers,
	       amobill.period_blocked(p.id) AS suspended,
	       p.plan_code AS plan, amobill.plan_widget_codes(p.plan_code) AS widgets
	  FROM amobill.license_periods p
	  JOIN amobill.amo_accounts a ON a.id = p.account_id
	 WHERE p.starts_at <= now()
	   AND now() < amobill.period_end(p.ends_at, p.revoked_at);

-- ---- Rights ----

-- catalogue (cgi/catalogue.c, split out of license-check): the public
-- reads, under a role of its own that reads nothing else; made as
-- sql/001 makes every program's role.
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'amobill_catalogue') THEN
		CREATE ROLE amobill_catalogue LOGIN;
	END IF;
END
$$;
GRANT USAGE ON SCHEMA amobill TO amobill_catalogue;
ALTER ROLE amobill_catalogue SET statement_timeout = '5s';
ALTER ROLE amobill_catalogue SET idle_in_transaction_session_timeout = '10s';
ALTER ROLE amobill_catalogue SET TimeZone = 'Asia/Almaty';

REVOKE ALL ON FUNCTION amobill.widget_license_state(bigint, text),
    amobill.license_check(bigint, text, text, integer),
    amobill.record_usage(bigint[], text[], bigint[], bigint[], bigint[],
        text[], bigint[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION amobill.license_check(bigint, text, text, integer),
    amobill.record_usage(bigint[], text[], bigint[], bigint[], bigint[],
        text[], bigint[], bigint[]) TO amobill_license;
-- /api/v1/plans; the checkout and the cabinet show the plans and what
-- each covers.
GRANT SELECT ON amobill.plans, amobill.plan_widgets, amobill.plans_on_sale,
    amobill.widgets TO amobill_catalogue, amobill_checkout, amobill_account;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA admin FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA admin TO amobill_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA admin TO amobill_admin;
GRANT EXECUTE ON FUNCTION amobill.widget_license_state(bigint, text)
    TO amobill_admin;
