-- The customer's pages and the documents of bank-transfer orders (issue
-- 15; contract §3, §7).
--
-- account: the cabinet lists the invoices and acts of the user's orders
-- by number and date, with links to their PDF (served elsewhere).  It
-- reads only those columns: never the copies of the buyer's and the
-- seller's details, nor the PDF.  (orders.method it reads with the rest
-- of orders, sql/004.)
GRANT SELECT (inv_id, number, issued_on, created_at) ON amobill.invoices,
    amobill.acts TO amobill_account;

-- checkout: whether to offer "by invoice": the profile holds a BIN or IIN
-- and an address.  The one home of the rule, which
-- amobill.create_invoice_order (below) enforces; a yes or no, so that
-- checkout's role needs no SELECT on those columns of amobill.users.
CREATE FUNCTION amobill.invoice_allowed(p_user bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, amobill AS $$
	SELECT coalesce((SELECT u.iin_bin IS NOT NULL AND
	                        btrim(coalesce(u.address, '')) <> ''
	                   FROM amobill.users u WHERE u.id = p_user), false);
$$;
REVOKE ALL ON FUNCTION amobill.invoice_allowed(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION amobill.invoice_allowed(bigint) TO amobill_checkout;

-- The order by invoice of sql/018, its condition now invoice_allowed's.
CREATE OR REPLACE FUNCTION amobill.create_invoice_order(p_user bigint, p_plan text,
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
	IF NOT amobill.invoice_allowed(p_user) THEN
		RAISE EXCEPTION 'profile_incomplete' USING ERRCODE = 'P0004';
	END IF;
	SELECT * INTO u FROM amobill.users WHERE id = p_user;
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
