-- Vectors for the functions of sql/002_kz_identifiers.sql, the same as in
-- tests/unit/test_kzid.c, so the database and the C code keep one rule.
-- Run with: psql -v ON_ERROR_STOP=1 -f tests/sql/kz_identifiers.sql
-- Each block raises an exception naming the first vector that disagrees.

-- IIN/BIN: value, kz_id_valid, kz_iin_shape, kz_bin_shape.
DO $$
DECLARE
	v record;
BEGIN
	FOR v IN SELECT * FROM (VALUES
	    -- IIN, first pass r1 = 8.
	    ('791028302728', true, true, false),
	    -- IIN, first pass gives 10, second r2 = 1.
	    ('900115300401', true, true, false),
	    -- BINs.
	    ('940140000385', true, false, true),
	    ('990140004654', true, false, true),
	    -- Own vectors, from an independent script.
	    ('410313607915', true, true, false),
	    ('090904395483', true, true, false),
	    ('070907114080', true, true, false),
	    ('720120281332', true, true, false),
	    ('870952610270', true, false, true),
	    ('410313607914', false, false, false),
	    ('870952610271', false, false, false),
	    -- Wrong control digit; a transposition.
	    ('791028302729', false, false, false),
	    ('790128302728', false, false, false),
	    -- Both passes give 10: no ending is valid (not 0 as in Russia).
	    ('850720401600', false, false, false),
	    ('850720401601', false, false, false),
	    ('850720401602', false, false, false),
	    ('850720401603', false, false, false),
	    ('850720401604', false, false, false),
	    ('850720401605', false, false, false),
	    ('850720401606', false, false, false),
	    ('850720401607', false, false, false),
	    ('850720401608', false, false, false),
	    ('850720401609', false, false, false),
	    -- Control digit right but month 13: a number, neither shape.
	    ('791328302729', true, false, false),
	    -- Wrong lengths.
	    ('79102830272', false, false, false),
	    ('7910283027281', false, false, false),
	    ('9401400003850', false, false, false),
	    ('', false, false, false),
	    -- Letters, spaces, signs, other bytes.
	    ('79102830272A', false, false, false),
	    ('A91028302728', false, false, false),
	    ('7910 8302728', false, false, false),
	    ('-91028302728', false, false, false),
	    (' 791028302728', false, false, false),
	    ('791028302728 ', false, false, false),
	    (E'791028302728\n', false, false, false),
	    (E'·91028302728', false, false, false),
	    -- Arabic-Indic digits are digits to some regex classes, not here.
	    ('٧٩١٠٢٨٣٠٢٧٢٨', false, false, false)
	    ) AS t(s, valid, iin, bin)
	LOOP
		IF amobill.kz_id_valid(v.s) IS DISTINCT FROM v.valid THEN
			RAISE EXCEPTION 'kz_id_valid(%) is not %', v.s, v.valid;
		END IF;
		IF amobill.kz_iin_shape(v.s) IS DISTINCT FROM v.iin THEN
			RAISE EXCEPTION 'kz_iin_shape(%) is not %', v.s, v.iin;
		END IF;
		IF amobill.kz_bin_shape(v.s) IS DISTINCT FROM v.bin THEN
			RAISE EXCEPTION 'kz_bin_shape(%) is not %', v.s, v.bin;
		END IF;
		-- The shapes cannot collide.
		IF v.iin AND v.bin THEN
			RAISE EXCEPTION 'vector % has both shapes', v.s;
		END IF;
	END LOOP;
END
$$;

-- IBAN and BIC: function, expected, the values it gives that for.
DO $$
DECLARE
	v record;
BEGIN
	FOR v IN SELECT t.fn, t.valid, s FROM (VALUES
	    ('kz_iban_valid', true, ARRAY[
		'KZ86125KZT5004100100', 'KZ18722S000012345678',
		-- Own vectors, from an independent script.
		'KZ75125KZT1001300335', 'KZ90601A861000012345',
		'KZ979260010000ABCDEF']),
	    ('kz_iban_valid', false, ARRAY[
		-- mod 97 gives 2; a swapped pair in the account.
		'KZ87125KZT5004100100', 'KZ86125KZT5004101000',
		-- 19 and 21 characters.
		'KZ86125KZT500410010', 'KZ86125KZT50041001000',
		-- Lower case and spaces: only the compact form is accepted.
		'kz86125kzt5004100100', 'KZ86125kzt5004100100',
		'KZ86 125K ZT50 0410 0100', E'KZ86125KZT5004100100\n',
		-- Bank code must be digits.
		'KZ8612AKZT5004100100',
		-- A valid IBAN of another country.
		'GB82WEST12345698765432', '']),
	    ('kz_bic_valid', true, ARRAY[
		'CASPKZKA', 'HSBKKZKX', 'NBRKKZKX', 'CASPKZKAXXX', 'KCJBKZ2A',
		'HSBKKZKX001']),
	    ('kz_bic_valid', false, ARRAY[
		'CASPRUKA', 'casPKZKA', 'CASPKZka', 'CASPKZK', 'CASPKZKAX',
		'CASPKZKAXX', 'CASPKZKAXXXX', 'CAS1KZKA', 'CASPKZK-',
		'CASP KZKA', E'CASPKZKA\n', ''])
	    ) AS t(fn, valid, vals), unnest(t.vals) AS s
	LOOP
		IF (CASE v.fn WHEN 'kz_iban_valid' THEN amobill.kz_iban_valid(v.s)
		    ELSE amobill.kz_bic_valid(v.s) END) IS DISTINCT FROM v.valid THEN
			RAISE EXCEPTION '%(%) is not %', v.fn, v.s, v.valid;
		END IF;
	END LOOP;
END
$$;

-- What kz_compact(..., upper = 1) does in C makes user input pass.
DO $$
BEGIN
	IF NOT amobill.kz_iban_valid(upper(replace(
	    'KZ86 125K ZT50 0410 0100', ' ', ''))) THEN
		RAISE EXCEPTION 'compacted IBAN with spaces';
	END IF;
	IF NOT amobill.kz_iban_valid(upper(replace(
	    'kz86 125k zt50 0410 0100', ' ', ''))) THEN
		RAISE EXCEPTION 'compacted lower-case IBAN';
	END IF;
	IF NOT amobill.kz_iin_shape(replace('791028 302728', ' ', '')) THEN
		RAISE EXCEPTION 'compacted IIN';
	END IF;
	IF NOT amobill.kz_bic_valid(upper(replace(' caspkzka ', ' ', ''))) THEN
		RAISE EXCEPTION 'compacted BIC';
	END IF;
END
$$;


-- STRICT: NULL in, NULL out, so a CHECK constraint lets NULL through.
DO $$
BEGIN
	IF amobill.kz_id_valid(NULL) IS NOT NULL
	    OR amobill.kz_iin_shape(NULL) IS NOT NULL
	    OR amobill.kz_bin_shape(NULL) IS NOT NULL
	    OR amobill.kz_iban_valid(NULL) IS NOT NULL
	    OR amobill.kz_bic_valid(NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'a function is not STRICT';
	END IF;
END
$$;

-- The functions do what a CHECK constraint needs: reject a bad row.
CREATE TEMP TABLE kz_check_t (
	iin text CHECK (amobill.kz_iin_shape(iin)),
	iban text CHECK (amobill.kz_iban_valid(iban))
);
INSERT INTO kz_check_t VALUES ('791028302728', 'KZ86125KZT5004100100');
DO $$
BEGIN
	BEGIN
		INSERT INTO kz_check_t VALUES ('791028302729', NULL);
		RAISE EXCEPTION 'CHECK let a bad IIN through';
	EXCEPTION WHEN check_violation THEN
		NULL;
	END;
END
$$;
DROP TABLE kz_check_t;

SELECT 'kz_identifiers: ok';
