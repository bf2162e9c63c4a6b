-- The documents' PDF (issue 15; contract §6, §7): rendered once, by the
-- mailer, from the stored row; mailed to the customer as an attachment;
-- downloaded by the order's owner from the program `documents`.
--
-- The web programs never render: cairo and pango live in the mailer
-- alone (lib/doc/doc.h).  Each round the mailer takes the documents
-- without a PDF (amobill.documents_to_render), renders each and stores
-- it (amobill.store_document), then sends the messages; a
-- message of a kind with an attachment takes its document's stored PDF
-- (amobill.mail_attachment), and waits with back-off while there is
-- none.
--
-- Erasure (admin.erase_user) leaves the documents whole: they are the
-- seller's accounting records, kept as the law requires, like a refund's
-- bank details (sql/008_admin.sql); the customer can no longer log in to
-- fetch them, and their mail goes with the rest.

-- The act prints the offer as its contract: the version accepted, and
-- when.  An act's JSON names it; the function is the one home of its
-- wording.
CREATE FUNCTION amobill.act_contract(p_inv integer) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, amobill AS $$
	SELECT 'Публичная оферта, редакция ' || d.version || ', акцепт ' ||
	       to_char(c.accepted_at AT TIME ZONE 'Asia/Almaty', 'DD.MM.YYYY')
	  FROM amobill.acceptances c
	  JOIN amobill.documents d ON d.id = c.offer_id
	 WHERE c.inv_id = p_inv;
$$;

-- A document as lib/doc reads it (doc.h): one JSON object.  p_seller
-- stands in for an act's seller not yet printed.
CREATE FUNCTION amobill.document_json(p_kind text, p_inv integer,
    p_seller jsonb) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, amobill AS $$
	SELECT jsonb_build_object('kind', 'invoice', 'number', v.number,
	           'issued_on', v.issued_on, 'payable_until', v.payable_until,
	           'seller', v.seller,
	           'buyer', jsonb_build_object('name', v.buyer_name,
	               'iin_bin', v.buyer_iin_bin, 'address', v.buyer_address),
	           'item', v.item, 'amount_tiyn', v.amount_tiyn,
	           'vat_rate', v.vat_rate, 'vat_tiyn', v.vat_tiyn)
	  FROM amobill.invoices v WHERE p_kind = 'invoice' AND v.inv_id = p_inv
	UNION ALL
	SELECT jsonb_build_object('kind', 'act', 'number', a.number,
	           'issued_on', a.issued_on, 'period_start', a.period_start,
	           'period_end', a.period_end,
	           'offer', amobill.act_contract(a.inv_id),
	           'seller', coalesce(a.seller, p_seller),
	           'buyer', jsonb_build_object('name', a.buyer_name,
	               'iin_bin', a.buyer_iin_bin, 'address', a.buyer_address),
	           'item', a.item, 'amount_tiyn', a.amount_tiyn,
	           'vat_rate', a.vat_rate, 'vat_tiyn', a.vat_tiyn)
	  FROM amobill.acts a WHERE p_kind = 'act' AND a.inv_id = p_inv;
$$;

-- The documents that have no PDF yet, oldest first, at most p_limit.
CREATE FUNCTION amobill.documents_to_render(p_seller jsonb, p_limit integer)
RETURNS TABLE (kind text, inv_id integer, doc text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, amobill AS $$
	SELECT d.kind, d.inv_id,
	       amobill.document_json(d.kind, d.inv_id, p_seller)::text
	  FROM (SELECT 'invoice' AS kind, v.inv_id, v.created_at
	          FROM amobill.invoices v WHERE v.pdf IS NULL
	        UNION ALL
	        SELECT 'act', a.inv_id, a.created_at
	          FROM amobill.acts a WHERE a.pdf IS NULL) d
	 ORDER BY d.created_at, d.kind, d.inv_id
	 LIMIT p_limit;
$$;

-- Stores a document's PDF, once: an act takes the seller it printed.
-- Returns whether this call stored it (false: it had one already, from
-- another mailer, and that one stands).
CREATE FUNCTION amobill.store_document(p_kind text, p_inv integer,
    p_pdf bytea, p_seller jsonb) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, amobill AS $$
BEGIN
	IF p_pdf IS NULL OR length(p_pdf) < 5 OR substr(p_pdf, 1, 5) <> '\x255044462d'::bytea THEN
		RAISE EXCEPTION 'not a PDF';
	END IF;
	IF p_kind = 'invoice' THEN
		UPDATE amobill.invoices SET pdf = p_pdf
		 WHERE inv_id = p_inv AND pdf IS NULL;
	ELSIF p_kind = 'act' THEN
		UPDATE amobill.acts SET pdf = p_pdf,
		       seller = coalesce(seller, p_seller)
		 WHERE inv_id = p_inv AND pdf IS NULL;
	ELSE
		RAISE EXCEPTION 'no document kind %', p_kind;
	END IF;
	RETURN FOUND;
END
$$;

-- ---- Mail: the document as an attachment ----

ALTER TABLE amobill.mail_kinds
	ADD COLUMN attachment text CHECK (attachment IN ('invoice', 'act'));
INSERT INTO amobill.mail_kinds (kind, link_path, link_valid, attachment)
VALUES ('invoice_issued', NULL, NULL, 'invoice'),
       ('act_issued', NULL, NULL, 'act');

-- The file a message carries: its kind's document of the order its data
-- names, once rendered.  No row: the kind has none; a NULL pdf: not yet.
CREATE FUNCTION amobill.mail_attachment(p_outbox bigint)
RETURNS TABLE (name text, pdf bytea)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, amobill AS $$
	SELECT CASE k.attachment WHEN 'invoice' THEN 'invoice-' ELSE 'act-' END
	       || coalesce(v.number, a.number) || '.pdf',
	       CASE k.attachment WHEN 'invoice' THEN v.pdf ELSE a.pdf END
	  FROM amobill.mail_outbox o
	  JOIN amobill.mail_kinds k ON k.kind = o.kind
	  LEFT JOIN amobill.invoices v
	    ON k.attachment = 'invoice' AND v.inv_id = (o.data->>'inv_id')::integer
	  LEFT JOIN amobill.acts a
	    ON k.attachment = 'act' AND a.inv_id = (o.data->>'inv_id')::integer
	 WHERE o.id = p_outbox AND k.attachment IS NOT NULL;
$$;

-- An invoice issued, an act issued: the customer is mailed the document.
CREATE FUNCTION amobill.mail_document_issued() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, amobill SET TimeZone = 'Asia/Almaty' AS $$
DECLARE
	-- An invoice's payable_until; the act has none (a record's field
	-- cannot be named where the table lacks it).
	extra	jsonb := CASE TG_TABLE_NAME WHEN 'invoices' THEN
		    jsonb_build_object('payable_until', to_char(
		        (to_jsonb(NEW)->>'payable_until')::date, 'DD.MM.YYYY'))
		    ELSE '{}' END;
BEGIN
	PERFORM amobill.mail_enqueue(
	    CASE TG_TABLE_NAME WHEN 'invoices' THEN 'invoice_issued'
	        ELSE 'act_issued' END,
	    u.id, u.email,
	    jsonb_build_object('login', u.login, 'inv_id', NEW.inv_id,
	        'number', NEW.number,
	        'issued_on', to_char(NEW.issued_on, 'DD.MM.YYYY'),
	        'amount_tiyn', NEW.amount_tiyn, 'plan', p.name,
	        'host', a.host) || extra)
	  FROM amobill.orders o
	  JOIN amobill.users u ON u.id = o.user_id
	  JOIN amobill.plans p ON p.code = o.plan_code
	  JOIN amobill.amo_accounts a ON a.id = o.account_id
	 WHERE o.inv_id = NEW.inv_id AND u.erased_at IS NULL;
	RETURN NULL;
END
$$;
CREATE TRIGGER invoices_mail_issued AFTER INSERT ON amobill.invoices
	FOR EACH ROW EXECUTE FUNCTION amobill.mail_document_issued();
CREATE TRIGGER acts_mail_issued AFTER INSERT ON amobill.acts
	FOR EACH ROW EXECUTE FUNCTION amobill.mail_document_issued();

-- ---- The download ----

-- documents: the order's owner gets the stored PDF.  The role reads who
-- is logged in, whose each order is, and the PDFs: nothing else.
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'amobill_documents') THEN
		CREATE ROLE amobill_documents LOGIN;
	END IF;
END
$$;
GRANT USAGE ON SCHEMA amobill TO amobill_documents;
ALTER ROLE amobill_documents SET statement_timeout = '5s';
ALTER ROLE amobill_documents SET idle_in_transaction_session_timeout = '10s';
ALTER ROLE amobill_documents SET TimeZone = 'Asia/Almaty';
GRANT SELECT ON amobill.sessions TO amobill_documents;
GRANT SELECT (id, login, email, blocked_at) ON amobill.users
    TO amobill_documents;
GRANT SELECT (inv_id, user_id) ON amobill.orders TO amobill_documents;
GRANT SELECT (inv_id, number, pdf) ON amobill.invoices, amobill.acts
    TO amobill_documents;

REVOKE ALL ON FUNCTION amobill.act_contract(integer),
    amobill.document_json(text, integer, jsonb),
    amobill.documents_to_render(jsonb, integer),
    amobill.store_document(text, integer, bytea, jsonb),
    amobill.mail_attachment(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION amobill.documents_to_render(jsonb, integer),
    amobill.store_document(text, integer, bytea, jsonb),
    amobill.mail_attachment(bigint) TO amobill_mail;

-- The administrator's export of a user's data holds their documents
-- (without the PDF: admin.document_pdf gives one).
CREATE OR REPLACE FUNCTION admin.export_user(p_user_id bigint) RETURNS json
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
		FROM (SELECT o.inv_id, o.plan_code, o.method,
		    a.host AS amo_domain,
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
		    FROM amobill.refunds WHERE user_id = p_user_id) x),
	    'documents', (SELECT coalesce(json_agg(x ORDER BY x.inv_id, x.kind),
		'[]') FROM (SELECT 'invoice' AS kind, v.inv_id, v.number,
		    v.issued_on, v.buyer_name, v.buyer_iin_bin, v.buyer_address,
		    v.amount_tiyn / 100.0 AS amount
		    FROM amobill.invoices v JOIN amobill.orders o USING (inv_id)
		    WHERE o.user_id = p_user_id
		  UNION ALL
		  SELECT 'act', c.inv_id, c.number, c.issued_on, c.buyer_name,
		    c.buyer_iin_bin, c.buyer_address, c.amount_tiyn / 100.0
		    FROM amobill.acts c JOIN amobill.orders o USING (inv_id)
		    WHERE o.user_id = p_user_id) x))
	INTO doc;
	PERFORM amobill.audit_write('export_user', 'user ' || p_user_id, NULL);
	RETURN doc;
END
$$;

-- A document's stored PDF for the administrator, e.g. to a file:
--   \copy (SELECT admin.document_pdf('invoice', 12)) TO ... (see docs/admin.md)
CREATE FUNCTION admin.document_pdf(p_kind text, p_inv integer) RETURNS bytea
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
	SELECT pdf FROM amobill.invoices WHERE p_kind = 'invoice' AND inv_id = p_inv
	UNION ALL
	SELECT pdf FROM amobill.acts WHERE p_kind = 'act' AND inv_id = p_inv;
$$;
REVOKE ALL ON FUNCTION admin.document_pdf(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION admin.document_pdf(text, integer) TO amobill_admin;
