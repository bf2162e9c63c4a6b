-- Paying by bank transfer (issue 15; contract §5, §7): an invoice order
-- and its invoice, the act of completed work every paid order gets, the
-- one call that records a bank payment, and what the accountant reads.
--
-- Documents are immutable once issued: what was printed is what is
-- stored.  An invoice holds a copy of the seller's details (from the
-- configuration of the program that issues it) and the buyer's (from the
-- profile at that moment); an act holds the buyer's as at payment, and
-- the seller's from the moment it is rendered (the mailer, which holds
-- the configuration, renders both documents once and stores the PDF).
-- Numbers run without a gap in a series per kind and Almaty year.

ALTER TABLE amobill.orders
	ADD COLUMN method text NOT NULL DEFAULT 'card'
	    CHECK (method IN ('card', 'invoice')),
	-- The VAT percent in force at checkout (vat_rate), which the
	-- order's documents print.
	ADD COLUMN vat_rate integer NOT NULL DEFAULT 0
	    CHECK (vat_rate BETWEEN 0 AND 99);

ALTER TABLE amobill.payment_events
	DROP CONSTRAINT payment_events_source_check,
	ADD CONSTRAINT payment_events_source_check
	    CHECK (source IN ('result_url', 'opstate', 'bank'));

CREATE TABLE amobill.document_counters (
	series		text NOT NULL CHECK (series IN ('invoice', 'act')),
	year		integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
	last		integer NOT NULL CHECK (last > 0),
	PRIMARY KEY (series, year)
);

-- The next number of a series in the Almaty year of now, as "2026-000001".
-- The counter's row is locked until the caller's transaction ends, and a
-- transaction that fails gives its number back: no gap, no repeat.
CREATE FUNCTION amobill.next_document_number(p_series text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, amobill AS $$
DECLARE
	y	integer := extract(year FROM now() AT TIME ZONE 'Asia/Almaty');
	n	integer;
BEGIN
	INSERT INTO amobill.document_counters AS c (series, year, last)
	VALUES (p_series, y, 1)
	ON CONFLICT (series, year) DO UPDATE SET last = c.last + 1
	RETURNING c.last INTO n;
	RETURN y || '-' || lpad(n::text, 6, '0');
END
$$;

-- The VAT included in an amount at a rate, in whole tiyn (rounded half
-- up): 60 000 ₸ at 16 % holds 8 275,86 ₸.  The one home of the rule.
CREATE FUNCTION amobill.vat_included(p_tiyn bigint, p_rate integer)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN round(p_tiyn::numeric * p_rate / (100 + p_rate));

CREATE TABLE amobill.invoices (
	inv_id		integer PRIMARY KEY REFERENCES amobill.orders (inv_id),
	number		text NOT NULL UNIQUE CHECK (number ~ '^[0-9]{4}-[0-9]{6}$'),
	issued_on	date NOT NULL,
	payable_until	date NOT NULL CHECK (payable_until >= issued_on),
	-- name, bin, address, iik, bank, bic, kbe, knp
	seller		jsonb NOT NULL CHECK (jsonb_typeof(seller) = 'object'),
	buyer_name	text NOT NULL CHECK (length(buyer_name) BETWEEN 1 AND 200),
	buyer_iin_bin	text NOT NULL CHECK (buyer_iin_bin ~ '^[0-9]{12}$'),
	buyer_address	text NOT NULL CHECK (length(buyer_address) BETWEEN 1 AND 300),
	item		text NOT NULL CHECK (length(item) BETWEEN 1 AND 300),
	amount_tiyn	bigint NOT NULL CHECK (amount_tiyn > 0),
	vat_rate	integer NOT NULL CHECK (vat_rate BETWEEN 0 AND 99),
	vat_tiyn	bigint NOT NULL CHECK (vat_tiyn >= 0),
	pdf		bytea,
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE amobill.acts (
	inv_id		integer PRIMARY KEY REFERENCES amobill.orders (inv_id),
	number		text NOT NULL UNIQUE CHECK (number ~ '^[0-9]{4}-[0-9]{6}$'),
	issued_on	date NOT NULL,
	period_start	date NOT NULL,
	period_end	date NOT NULL CHECK (period_end >= period_start),
	seller		jsonb CHECK (jsonb_typeof(seller) = 'object'),
	buyer_name	text NOT NULL,
	buyer_iin_bin	text,
	buyer_address	text NOT NULL,
	item		text NOT NULL,
	amount_tiyn	bigint NOT NULL CHECK (amount_tiyn > 0),
	vat_rate	integer NOT NULL CHECK (vat_rate BETWEEN 0 AND 99),
	vat_tiyn	bigint NOT NULL CHECK (vat_tiyn >= 0),
	pdf		bytea,
	created_at	timestamptz NOT NULL DEFAULT now(),
	-- Rendered with the seller's details it prints, never without.
	CHECK (pdf IS NULL OR seller IS NOT NULL)
);

-- Issued documents never change, but for the one rendering that stores
-- the PDF (and, for an act, the seller's details it prints).
CREATE FUNCTION amobill.issued_documents_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' OR OLD.pdf IS NOT NULL OR NEW.pdf IS NULL OR
	    (to_jsonb(NEW) - 'pdf' - 'seller') <> (to_jsonb(OLD) - 'pdf' - 'seller') OR
	    (TG_TABLE_NAME = 'invoices' AND NEW.seller <> OLD.seller) OR
	    (OLD.seller IS NOT NULL AND NEW.seller <> OLD.seller) THEN
		RAISE EXCEPTION 'an issued % cannot be changed', TG_TABLE_NAME;
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON amobill.invoices
	FOR EACH ROW EXECUTE FUNCTION amobill.issued_documents_immutable();
CREATE TRIGGER acts_immutable BEFORE UPDATE OR DELETE ON amobill.acts
	FOR EACH ROW EXECUTE FUNCTION amobill.issued_documents_immutable();

-- What an order's documents name as the service: the plan, the amoCRM
-- account and the term.
CREATE FUNCTION amobill.order_item(p_inv integer) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, amobill AS $$
	SELECT 'Доступ к виджетам для amoCRM по тарифу «' || p.name ||
	       '», аккаунт ' || a.host || ', ' || p.term_months || ' мес.'
	  FROM amobill.orders o
	  JOIN amobill.plans p ON p.code = o.plan_code
	  JOIN amobill.amo_accounts a ON a.id = o.account_id
	 WHERE o.inv_id = p_inv;
$$;

-- Checkout by invoice: the order (create_order, for a plan on sale) and
-- its invoice in one transaction, the buyer's details copied from the
-- profile, which must hold a BIN or IIN and an address (P0004
-- profile_incomplete otherwise).  p_seller: the seller's details as the
-- calling program's configuration holds them.
CREATE FUNCTION amobill.create_invoice_order(p_user bigint, p_plan text,
    p_host text, p_ip inet, p_seller jsonb, p_days integer, p_vat_rate integer)
RETURNS TABLE (inv_id integer, number text, payable_until date,
    amount_tiyn bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, amobill SET TimeZone = 'Asia/Almaty' AS $$
#variable_conflict use_column
DECLARE
	u	amobill.users%ROWTYPE;
	o	record;
	num	text;
	until	date;
BEGIN
	IF p_days NOT BETWEEN 1 AND 60 THEN
		RAISE EXCEPTION 'invoice_days must be 1..60';
	END IF;
	SELECT * INTO u FROM amobill.users WHERE id = p_user;
	IF u.iin_bin IS NULL OR btrim(coalesce(u.address, '')) = '' THEN
		RAISE EXCEPTION 'profile_incomplete' USING ERRCODE = 'P0004';
	END IF;
	SELECT * INTO o FROM amobill.create_order(p_user, p_plan, p_host, p_ip);
	UPDATE amobill.orders SET method = 'invoice', vat_rate = p_vat_rate
	 WHERE orders.inv_id = o.inv_id;
	num := amobill.next_document_number('invoice');
	until := current_date + p_days;
	INSERT INTO amobill.invoices (inv_id, number, issued_on, payable_until,
	    seller, buyer_name, buyer_iin_bin, buyer_address, item,
	    amount_tiyn, vat_rate, vat_tiyn)
	VALUES (o.inv_id, num, current_date, until, p_seller, u.full_name,
	    u.iin_bin, u.address, amobill.order_item(o.inv_id), o.amount_tiyn,
	    p_vat_rate, amobill.vat_included(o.amount_tiyn, p_vat_rate));
	RETURN QUERY SELECT o.inv_id, num, until, o.amount_tiyn;
END
$$;

-- Every order that becomes paid, by card or invoice, gets its act, in
-- the payment's transaction: the service's period, the buyer as now.
CREATE FUNCTION amobill.issue_act() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, amobill SET TimeZone = 'Asia/Almaty' AS $$
BEGIN
	INSERT INTO amobill.acts (inv_id, number, issued_on, period_start,
	    period_end, buyer_name, buyer_iin_bin, buyer_address, item,
	    amount_tiyn, vat_rate, vat_tiyn)
	SELECT NEW.inv_id, amobill.next_document_number('act'), current_date,
	       p.starts_at::date, p.ends_at::date, u.full_name, u.iin_bin,
	       u.address, amobill.order_item(NEW.inv_id), NEW.amount_tiyn,
	       NEW.vat_rate, amobill.vat_included(NEW.amount_tiyn, NEW.vat_rate)
	  FROM amobill.users u, amobill.license_periods p
	 WHERE u.id = NEW.user_id AND p.inv_id = NEW.inv_id;
	RETURN NULL;
END
$$;
CREATE TRIGGER orders_issue_act
	AFTER UPDATE OF status ON amobill.orders
	FOR EACH ROW WHEN (OLD.status = 'unpaid' AND NEW.status = 'paid')
	EXECUTE FUNCTION amobill.issue_act();

-- A bank transfer against invoice p_invoice_no, as the bank statement
-- shows it: paid through amobill.apply_payment (the one path: the
-- period, the acceptance of the offer the invoice was issued under, the
-- notice, the act) and recorded, at most once whatever is repeated.  A
-- wrong amount, an unknown invoice, one paid after its payable_until or
-- a date in the future: an error, and nothing is written.
CREATE FUNCTION admin.record_bank_payment(p_invoice_no text, p_amount numeric,
    p_paid_on date, p_bank_reference text, p_note text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, amobill SET TimeZone = 'Asia/Almaty' AS $$
DECLARE
	n	text := amobill.require_note(p_note);
	i	amobill.invoices%ROWTYPE;
	st	text;
	outcome	text;
BEGIN
	IF p_bank_reference IS NULL OR length(btrim(p_bank_reference)) NOT BETWEEN 1 AND 100 THEN
		RAISE EXCEPTION 'the bank reference (1..100 characters) is required';
	END IF;
	-- The order's lock (apply_payment's) orders two calls for one invoice.
	SELECT o.status INTO st FROM amobill.invoices v
	  JOIN amobill.orders o ON o.inv_id = v.inv_id
	 WHERE v.number = btrim(p_invoice_no) FOR UPDATE OF o;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no invoice %', p_invoice_no;
	END IF;
	SELECT * INTO i FROM amobill.invoices WHERE number = btrim(p_invoice_no);
	IF p_amount IS NULL OR p_amount * 100 <> trunc(p_amount * 100) OR
	    (p_amount * 100)::bigint <> i.amount_tiyn THEN
		RAISE EXCEPTION 'invoice % is for % KZT, not %', i.number,
		    i.amount_tiyn / 100.0, p_amount;
	END IF;
	IF p_paid_on IS NULL OR p_paid_on > current_date OR p_paid_on < i.issued_on THEN
		RAISE EXCEPTION 'paid_on must be a day from % to today', i.issued_on;
	END IF;
	IF st = 'unpaid' AND p_paid_on > i.payable_until THEN
		RAISE EXCEPTION 'invoice % was payable until %: the customer asks for a new one',
		    i.number, i.payable_until;
	END IF;
	outcome := amobill.apply_payment(i.inv_id, i.amount_tiyn);
	INSERT INTO amobill.payment_events (source, params, inv_id, outcome)
	VALUES ('bank', jsonb_build_object('invoice_no', i.number, 'amount',
	    p_amount, 'paid_on', p_paid_on, 'bank_reference', p_bank_reference),
	    i.inv_id, outcome);
	PERFORM amobill.audit_write('record_bank_payment', 'invoice ' || i.number,
	    outcome || ', ' || p_bank_reference || ': ' || n);
	RETURN outcome;
END
$$;

CREATE VIEW admin.invoices AS
	SELECT v.number, v.issued_on AS date, v.inv_id, u.login AS customer,
	       v.buyer_name, v.buyer_iin_bin AS iin_bin,
	       v.amount_tiyn / 100.0 AS amount, v.payable_until,
	       o.paid_at IS NOT NULL AS paid,
	       o.paid_at IS NULL AND (now() AT TIME ZONE 'Asia/Almaty')::date
	           > v.payable_until AS overdue
	  FROM amobill.invoices v
	  JOIN amobill.orders o ON o.inv_id = v.inv_id
	  JOIN amobill.users u ON u.id = o.user_id
	 ORDER BY v.number;

-- A row per paid order: what the accountant needs for the electronic
-- invoices (date of the turnover, the documents, the buyer, amount, VAT).
CREATE VIEW admin.turnover AS
	SELECT (o.paid_at AT TIME ZONE 'Asia/Almaty')::date AS date, o.inv_id,
	       v.number AS invoice_no, a.number AS act_no, o.method,
	       a.buyer_name AS customer, a.buyer_iin_bin AS iin_bin,
	       o.amount_tiyn / 100.0 AS amount, a.vat_rate,
	       a.vat_tiyn / 100.0 AS vat, o.status = 'refunded' AS refunded
	  FROM amobill.orders o
	  JOIN amobill.acts a ON a.inv_id = o.inv_id
	  LEFT JOIN amobill.invoices v ON v.inv_id = o.inv_id
	 WHERE o.paid_at IS NOT NULL
	 ORDER BY o.paid_at, o.inv_id;

REVOKE ALL ON FUNCTION amobill.next_document_number(text),
    amobill.create_invoice_order(bigint, text, text, inet, jsonb, integer,
        integer), amobill.order_item(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION amobill.create_invoice_order(bigint, text, text,
    inet, jsonb, integer, integer) TO amobill_checkout;
REVOKE ALL ON FUNCTION admin.record_bank_payment(text, numeric, date, text,
    text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION admin.record_bank_payment(text, numeric, date,
    text, text) TO amobill_admin;
GRANT SELECT ON admin.invoices, admin.turnover TO amobill_admin;
