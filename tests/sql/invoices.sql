-- Invoices, acts and bank payments (issue 15, sql/018_invoices.sql): an
-- invoice order copies the buyer's details and keeps them; numbers run
-- without a gap; a bank payment pays once, through the one path, and is
-- refused whole when wrong; every paid order gets its act; issued
-- documents never change but for their one rendering, which the mailer
-- does once and mails.  All in one
-- transaction, rolled back.
\set QUIET on
\o /dev/null
BEGIN;

SET LOCAL TimeZone = 'America/New_York';

CREATE FUNCTION pg_temp.company(p_login text) RETURNS bigint
LANGUAGE sql AS $$
	INSERT INTO amobill.users (login, email, password_hash, full_name,
	    status, address, iin_bin)
	VALUES (p_login, p_login || '@example.kz', '$scrypt$ln=17,r=8,p=1$x$y',
	    'ТОО «Образец-Клиент»', 'legal_entity', 'г. Астана, пр. Образцовый, 7',
	    '940140000385')
	RETURNING id;
$$;

CREATE FUNCTION pg_temp.invoice(p_user bigint, p_host text)
RETURNS TABLE (inv_id integer, number text, payable_until date,
    amount_tiyn bigint)
LANGUAGE sql AS $$
	SELECT * FROM amobill.create_invoice_order(p_user, 'all-widgets-6m',
	    p_host, '10.1.2.3', '{"name": "ИП «Образец»", "bin": "940140000385",
	    "iik": "KZ86125KZT5004100100", "bic": "SMPLKZKA", "kbe": "19",
	    "knp": "859"}', 5, 16);
$$;

CREATE FUNCTION pg_temp.admin(p_sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	r	text;
BEGIN
	PERFORM set_config('role', 'amobill_admin', true);
	EXECUTE p_sql INTO r;
	PERFORM set_config('role', 'none', true);
	RETURN r;
END
$$;

CREATE FUNCTION pg_temp.writes() RETURNS text
LANGUAGE sql AS $$
	SELECT (SELECT count(*) FROM amobill.license_periods) || '/' ||
	       (SELECT count(*) FROM amobill.payment_events) || '/' ||
	       (SELECT count(*) FROM amobill.acts) || '/' ||
	       (SELECT count(*) FROM amobill.audit) || '/' ||
	       (SELECT count(*) FROM amobill.orders WHERE status = 'paid');
$$;

-- Issued: the buyer's details copied, numbers in sequence, VAT included.
DO $$
DECLARE
	u	bigint := pg_temp.company('inv1');
	a	record := pg_temp.invoice(u, 'inv1.amocrm.ru');
	b	record;
	v	amobill.invoices;
	y	text := extract(year FROM now() AT TIME ZONE 'Asia/Almaty')::text;
BEGIN
	SELECT * INTO v FROM amobill.invoices WHERE inv_id = a.inv_id;
	ASSERT v.number ~ ('^' || y || '-[0-9]{6}$'), 'number ' || v.number;
	ASSERT v.buyer_name = 'ТОО «Образец-Клиент»' AND v.buyer_iin_bin = '940140000385'
	    AND v.buyer_address = 'г. Астана, пр. Образцовый, 7', 'the buyer copied';
	ASSERT v.issued_on = (now() AT TIME ZONE 'Asia/Almaty')::date AND
	    v.payable_until = v.issued_on + 5, 'dates ' || v.issued_on || ' ' || v.payable_until;
	ASSERT v.amount_tiyn = 6000000 AND v.vat_rate = 16 AND v.vat_tiyn = 827586,
	    'VAT included at 16 %: ' || v.vat_tiyn;
	ASSERT v.item LIKE '%«Все виджеты на 6 месяцев»%inv1.amocrm.ru%6 мес.%', v.item;
	ASSERT v.seller->>'iik' = 'KZ86125KZT5004100100', 'the seller copied';
	ASSERT (SELECT method FROM amobill.orders WHERE inv_id = a.inv_id) = 'invoice';
	b := pg_temp.invoice(u, 'inv1b.amocrm.ru');
	ASSERT split_part(b.number, '-', 2)::int = split_part(a.number, '-', 2)::int + 1,
	    'no gap: ' || a.number || ' then ' || b.number;
	-- The profile changes: the invoice keeps what it printed.
	UPDATE amobill.users SET full_name = 'ТОО «Другое»', address = 'другой адрес'
	 WHERE id = u;
	ASSERT (SELECT buyer_name FROM amobill.invoices WHERE inv_id = a.inv_id)
	    = 'ТОО «Образец-Клиент»', 'the stored invoice keeps the old details';
END
$$;

-- A profile without a BIN (registration requires one: an erased user's)
-- is refused, nothing written, no number used.
DO $$
DECLARE
	u	bigint := pg_temp.company('inv2');
	before	bigint := (SELECT count(*) FROM amobill.orders);
	last	integer;
	ok	record;
BEGIN
	SELECT c.last INTO last FROM amobill.document_counters c
	 WHERE series = 'invoice';
	UPDATE amobill.users SET iin_bin = NULL, erased_at = now() WHERE id = u;
	BEGIN
		PERFORM pg_temp.invoice(u, 'inv2.amocrm.ru');
		ASSERT false, 'an invoice without a BIN';
	EXCEPTION WHEN SQLSTATE 'P0004' THEN NULL;
	END;
	ASSERT (SELECT count(*) FROM amobill.orders) = before, 'no order written';
	UPDATE amobill.users SET iin_bin = '940140000385', erased_at = NULL
	 WHERE id = u;
	ok := pg_temp.invoice(u, 'inv2.amocrm.ru');
	ASSERT split_part(ok.number, '-', 2)::int = last + 1, 'the number was not used';
END
$$;

-- A bank payment: refused whole when wrong; once when right; repeated,
-- no second effect.
DO $$
DECLARE
	u	bigint := pg_temp.company('inv3');
	a	record := pg_temp.invoice(u, 'inv3.amocrm.ru');
	w	text := pg_temp.writes();
	d	date := (now() AT TIME ZONE 'Asia/Almaty')::date;
	q	text;
	r	text;
	bad	text[];
BEGIN
	bad := ARRAY[
	    format($q$SELECT admin.record_bank_payment(%L, 59999.99, %L, 'PP-1', 'statement')$q$, a.number, d),
	    format($q$SELECT admin.record_bank_payment(%L, 60000.001, %L, 'PP-1', 'statement')$q$, a.number, d),
	    format($q$SELECT admin.record_bank_payment('1999-000001', 60000, %L, 'PP-1', 'statement')$q$, d),
	    format($q$SELECT admin.record_bank_payment(%L, 60000, %L, 'PP-1', 'statement')$q$, a.number, d + 1),
	    format($q$SELECT admin.record_bank_payment(%L, 60000, %L, 'PP-1', 'statement')$q$, a.number, d - 1),
	    format($q$SELECT admin.record_bank_payment(%L, 60000, %L, '', 'statement')$q$, a.number, d),
	    format($q$SELECT admin.record_bank_payment(%L, 60000, %L, 'PP-1', '')$q$, a.number, d)];
	FOREACH q IN ARRAY bad LOOP
		BEGIN
			PERFORM pg_temp.admin(q);
			ASSERT false, 'accepted: ' || q;
		EXCEPTION WHEN raise_exception THEN NULL;
		END;
	END LOOP;
	ASSERT pg_temp.writes() = w, 'refusals wrote nothing: ' || w || ' -> ' || pg_temp.writes();
	r := pg_temp.admin(format($q$SELECT admin.record_bank_payment(%L, 60000.00,
	    %L, 'PP-77', 'statement of the day')$q$, a.number, d));
	ASSERT r = 'paid', r;
	ASSERT (SELECT count(*) FROM amobill.license_periods WHERE inv_id = a.inv_id) = 1, 'a period';
	ASSERT (SELECT s.code FROM amobill.amo_accounts x, LATERAL amobill.license_state(x.id) s
	    WHERE x.host = 'inv3.amocrm.ru') = 'VALID', 'licensed';
	ASSERT EXISTS (SELECT FROM amobill.acceptances c JOIN amobill.orders o USING (inv_id)
	    WHERE c.inv_id = a.inv_id AND c.offer_id = o.offer_id), 'the offer of the invoice accepted';
	ASSERT (SELECT count(*) FROM amobill.payment_events WHERE inv_id = a.inv_id
	    AND source = 'bank' AND outcome = 'paid' AND params->>'bank_reference' = 'PP-77') = 1, 'recorded';
	ASSERT (SELECT count(*) FROM amobill.acts WHERE inv_id = a.inv_id) = 1, 'the act issued';
	r := pg_temp.admin(format($q$SELECT admin.record_bank_payment(%L, 60000,
	    %L, 'PP-77', 'entered twice')$q$, a.number, d));
	ASSERT r = 'already_paid', r;
	ASSERT (SELECT count(*) FROM amobill.license_periods WHERE inv_id = a.inv_id) = 1
	    AND (SELECT count(*) FROM amobill.acts WHERE inv_id = a.inv_id) = 1,
	    'no second period, no second act';
	ASSERT (SELECT count(*) FROM amobill.audit WHERE action = 'record_bank_payment'
	    AND object = 'invoice ' || a.number) = 2, 'both calls audited';
END
$$;

-- An invoice past its payable_until cannot be paid.
DO $$
DECLARE
	u	bigint := pg_temp.company('inv4');
	a	record := pg_temp.invoice(u, 'inv4.amocrm.ru');
	d	date := (now() AT TIME ZONE 'Asia/Almaty')::date;
BEGIN
	ALTER TABLE amobill.invoices DISABLE TRIGGER invoices_immutable;
	UPDATE amobill.invoices SET issued_on = d - 10, payable_until = d - 5
	 WHERE inv_id = a.inv_id;
	ALTER TABLE amobill.invoices ENABLE TRIGGER invoices_immutable;
	ASSERT (SELECT overdue FROM admin.invoices WHERE number = a.number), 'overdue';
	BEGIN
		PERFORM pg_temp.admin(format($q$SELECT admin.record_bank_payment(%L, 60000,
		    %L, 'PP-9', 'late')$q$, a.number, d));
		ASSERT false, 'an expired invoice was paid';
	EXCEPTION WHEN raise_exception THEN NULL;
	END;
	ASSERT (SELECT status FROM amobill.orders WHERE inv_id = a.inv_id) = 'unpaid';
	-- Paid on time, recorded later: accepted.
	ASSERT pg_temp.admin(format($q$SELECT admin.record_bank_payment(%L, 60000,
	    %L, 'PP-8', 'paid in time')$q$, a.number, d - 6)) = 'paid', 'paid in time';
END
$$;

-- A card order gets its act too; the turnover lists both kinds.
DO $$
DECLARE
	u	bigint := pg_temp.company('inv5');
	o	record;
	t	record;
BEGIN
	SELECT * INTO o FROM amobill.create_order(u, 'all-widgets-6m',
	    'inv5.amocrm.ru', '10.1.2.3');
	ASSERT amobill.apply_payment(o.inv_id, o.amount_tiyn) = 'paid';
	ASSERT (SELECT count(*) FROM amobill.acts WHERE inv_id = o.inv_id
	    AND period_end > period_start AND vat_rate = 0 AND vat_tiyn = 0) = 1,
	    'the act of a card order';
	PERFORM set_config('role', 'amobill_admin', true);
	SELECT * INTO t FROM admin.turnover WHERE inv_id = o.inv_id;
	ASSERT t.method = 'card' AND t.invoice_no IS NULL AND t.act_no IS NOT NULL
	    AND t.amount = 60000 AND t.iin_bin = '940140000385', t::text;
	PERFORM set_config('role', 'none', true);
END
$$;

-- Issued documents never change, but for their one rendering.
DO $$
DECLARE
	u	bigint := pg_temp.company('inv6');
	a	record := pg_temp.invoice(u, 'inv6.amocrm.ru');
	q	text;
BEGIN
	FOREACH q IN ARRAY ARRAY[
	    format('UPDATE amobill.invoices SET amount_tiyn = 1 WHERE inv_id = %s', a.inv_id),
	    format('UPDATE amobill.invoices SET buyer_name = %L WHERE inv_id = %s', 'x', a.inv_id),
	    format('DELETE FROM amobill.invoices WHERE inv_id = %s', a.inv_id)] LOOP
		BEGIN
			EXECUTE q;
			ASSERT false, 'changed: ' || q;
		EXCEPTION WHEN raise_exception THEN NULL;
		END;
	END LOOP;
	UPDATE amobill.invoices SET pdf = '\x255044462d' WHERE inv_id = a.inv_id;
	BEGIN
		UPDATE amobill.invoices SET pdf = '\x00' WHERE inv_id = a.inv_id;
		ASSERT false, 'rendered twice';
	EXCEPTION WHEN raise_exception THEN NULL;
	END;
	ASSERT amobill.vat_included(6000000, 0) = 0 AND
	    amobill.vat_included(6000000, 12) = 642857, 'VAT at 0 % and 12 %';
	-- Only checkout issues invoices.
	ASSERT has_function_privilege('amobill_checkout', 'amobill.create_invoice_order(bigint, '
	    'text, text, inet, jsonb, integer, integer)', 'EXECUTE');
	ASSERT NOT has_function_privilege('amobill_account', 'amobill.create_invoice_order(bigint, '
	    'text, text, inet, jsonb, integer, integer)', 'EXECUTE');
END
$$;

-- The rendering and mail of the documents (sql/019_documents.sql): what
-- the mailer renders, from which row, stored once; an act takes the
-- seller it printed; each document's mail, its attachment only once the
-- PDF is there; who may call what; erasure keeps them whole.
DO $$
DECLARE
	u	bigint := pg_temp.company('doc1');
	a	record := pg_temp.invoice(u, 'doc1.amocrm.ru');
	cfg	jsonb := '{"name": "ИП «Из конфигурации»", "bin": "940140000385",
		    "address": "г. Алматы"}';
	j	jsonb;
	m	record;
	today	date := (now() AT TIME ZONE 'Asia/Almaty')::date;
BEGIN
	-- The invoice waits to be rendered, with its own stored seller.
	SELECT doc::jsonb INTO j FROM amobill.documents_to_render(cfg, 100)
	 WHERE kind = 'invoice' AND inv_id = a.inv_id;
	ASSERT j->>'number' = a.number AND j->>'issued_on' = today::text AND
	    j->>'payable_until' = (today + 5)::text, 'the invoice row ' || j;
	ASSERT j->'seller'->>'name' = 'ИП «Образец»', 'the invoice prints its own seller';
	ASSERT j->'buyer'->>'iin_bin' = '940140000385' AND
	    (j->>'amount_tiyn')::bigint = 6000000 AND j->>'item' LIKE '%doc1.amocrm.ru%',
	    'buyer and amount ' || j;
	-- Mailed, but no attachment before the PDF.
	SELECT * INTO m FROM amobill.mail_outbox
	 WHERE kind = 'invoice_issued' AND user_id = u;
	ASSERT m.data->>'number' = a.number AND m.to_address = 'doc1@example.kz',
	    'the invoice mail';
	ASSERT (SELECT pdf FROM amobill.mail_attachment(m.id)) IS NULL,
	    'nothing to attach yet';
	-- Stored once; a second store (another mailer) changes nothing.
	ASSERT amobill.store_document('invoice', a.inv_id, '\x255044462d31', NULL),
	    'stored';
	ASSERT NOT amobill.store_document('invoice', a.inv_id, '\x255044462d32', NULL),
	    'stored twice';
	ASSERT (SELECT pdf FROM amobill.invoices WHERE inv_id = a.inv_id) = '\x255044462d31';
	ASSERT (SELECT name FROM amobill.mail_attachment(m.id)) = 'invoice-' || a.number || '.pdf'
	    AND (SELECT pdf FROM amobill.mail_attachment(m.id)) = '\x255044462d31',
	    'the attachment';
	ASSERT NOT EXISTS (SELECT FROM amobill.documents_to_render(cfg, 100)
	    WHERE kind = 'invoice' AND inv_id = a.inv_id), 'rendered: no longer listed';
	-- Not a PDF: refused.
	BEGIN
		PERFORM amobill.store_document('invoice', a.inv_id, '\x3c68746d6c3e', NULL);
		ASSERT false, 'an HTML page stored as a PDF';
	EXCEPTION WHEN raise_exception THEN NULL;
	END;

	-- Paid: the act, its seller from the renderer's configuration.
	PERFORM amobill.apply_payment(a.inv_id, a.amount_tiyn);
	SELECT doc::jsonb INTO j FROM amobill.documents_to_render(cfg, 100)
	 WHERE kind = 'act' AND inv_id = a.inv_id;
	ASSERT j->'seller'->>'name' = 'ИП «Из конфигурации»', 'the act seller ' || j;
	ASSERT j->>'period_start' = today::text AND
	    (j->>'period_end')::date = (today + interval '6 months')::date,
	    'the period ' || j;
	ASSERT j->>'offer' LIKE 'Публичная оферта, редакция %, акцепт ' ||
	    to_char(today, 'DD.MM.YYYY'), 'the contract ' || (j->>'offer');
	ASSERT (SELECT count(*) FROM amobill.mail_outbox
	    WHERE kind = 'act_issued' AND user_id = u) = 1, 'the act mail';
	ASSERT amobill.store_document('act', a.inv_id, '\x255044462d33', cfg);
	ASSERT (SELECT seller->>'name' FROM amobill.acts WHERE inv_id = a.inv_id)
	    = 'ИП «Из конфигурации»', 'the act keeps the seller it printed';
	-- Rendered later with another configuration: the stored seller stands.
	SELECT doc::jsonb INTO j FROM (SELECT amobill.document_json('act', a.inv_id,
	    '{"name": "другой"}') AS doc) x;
	ASSERT j->'seller'->>'name' = 'ИП «Из конфигурации»', 'the printed seller stays';

	-- Who may: the mailer renders and attaches; no web program can.
	ASSERT has_function_privilege('amobill_mail',
	    'amobill.store_document(text, integer, bytea, jsonb)', 'EXECUTE');
	ASSERT NOT has_function_privilege('amobill_documents',
	    'amobill.store_document(text, integer, bytea, jsonb)', 'EXECUTE');
	ASSERT NOT has_function_privilege('amobill_checkout',
	    'amobill.documents_to_render(jsonb, integer)', 'EXECUTE');
	ASSERT NOT has_function_privilege('amobill_account',
	    'amobill.mail_attachment(bigint)', 'EXECUTE');
	ASSERT has_column_privilege('amobill_documents', 'amobill.invoices', 'pdf', 'SELECT');
	ASSERT NOT has_column_privilege('amobill_documents', 'amobill.invoices',
	    'buyer_iin_bin', 'SELECT');
END
$$;

-- An erased customer gets no mail of a document issued after; the
-- documents keep everything they printed.
DO $$
DECLARE
	u	bigint := pg_temp.company('doc2');
	a	record := pg_temp.invoice(u, 'doc2.amocrm.ru');
	before	jsonb;
BEGIN
	SELECT to_jsonb(v) INTO before FROM amobill.invoices v WHERE inv_id = a.inv_id;
	PERFORM set_config('role', 'amobill_admin', true);
	PERFORM admin.erase_user(u, 'asked');
	PERFORM set_config('role', 'none', true);
	ASSERT (SELECT to_jsonb(v) FROM amobill.invoices v WHERE inv_id = a.inv_id) = before,
	    'the invoice kept whole';
	ASSERT NOT EXISTS (SELECT FROM amobill.mail_outbox WHERE user_id = u),
	    'their mail gone with them';
	PERFORM amobill.apply_payment(a.inv_id, a.amount_tiyn);
	ASSERT EXISTS (SELECT FROM amobill.acts WHERE inv_id = a.inv_id), 'the act for the books';
	ASSERT NOT EXISTS (SELECT FROM amobill.mail_outbox WHERE user_id = u),
	    'no mail to an erased customer';
END
$$;

ROLLBACK;
\o
SELECT 'invoices: ok';
