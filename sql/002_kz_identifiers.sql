-- Kazakhstan identifier checks (IIN/BIN, IBAN, BIC) for CHECK constraints,
-- with exactly the rules of lib/kzid.c so the database enforces the same.

-- The functions take the compact form (no spaces, upper case), as the C
-- code stores it after kz_compact(); they do not normalise.  They are
-- STRICT, so NULL gives NULL and a CHECK constraint lets it through; add
-- NOT NULL where a value is required.  plpgsql is used rather than SQL
-- where the order of the tests matters: AND does not promise to evaluate
-- left to right, and substr(...)::int on a non-digit would raise.

-- 1 iff exactly 12 ASCII digits and the control digit matches.  Weights
-- 1..11 mod 11; on 10, weights 3..11,1,2 mod 11; on 10 again no control
-- digit exists and the number is invalid (no Russian fallback to 0).
CREATE FUNCTION amobill.kz_id_valid(s text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	w2 constant int[] := ARRAY[3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
	s1 int := 0;
	s2 int := 0;
	d int;
	r int;
BEGIN
	-- [0-9], not \d: \d may match other Unicode digits.
	IF s !~ '^[0-9]{12}$' THEN
		RETURN false;
	END IF;
	FOR i IN 1..11 LOOP
		d := ascii(substr(s, i, 1)) - 48;
		s1 := s1 + i * d;
		s2 := s2 + w2[i] * d;
	END LOOP;
	r := s1 % 11;
	IF r = 10 THEN
		r := s2 % 11;
		IF r = 10 THEN
			RETURN false;
		END IF;
	END IF;
	RETURN r = ascii(substr(s, 12, 1)) - 48;
END
$$;

-- Valid number with IIN shape: month 01-12, day 01-31, 7th digit 1-6.
-- No calendar check: since a 2013 decree the digits are no longer bound
-- to the person's data, so a 31 February passes.
CREATE FUNCTION amobill.kz_iin_shape(s text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
	IF NOT amobill.kz_id_valid(s) THEN
		RETURN false;
	END IF;
	RETURN substr(s, 3, 2)::int BETWEEN 1 AND 12
	    AND substr(s, 5, 2)::int BETWEEN 1 AND 31
	    AND substr(s, 7, 1) IN ('1', '2', '3', '4', '5', '6');
END
$$;

-- Valid number with BIN shape: month 01-12, 5th digit 4-6, 6th digit 0-3.
-- It cannot also be an IIN: there the 5th digit is a day's tens, 0-3.
CREATE FUNCTION amobill.kz_bin_shape(s text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
	IF NOT amobill.kz_id_valid(s) THEN
		RETURN false;
	END IF;
	RETURN substr(s, 3, 2)::int BETWEEN 1 AND 12
	    AND substr(s, 5, 1) IN ('4', '5', '6')
	    AND substr(s, 6, 1) IN ('0', '1', '2', '3');
END
$$;

-- "KZ", 2 check digits, 3-digit bank code, 13 of [0-9A-Z]; 20 characters,
-- upper case, no spaces; ISO 7064 MOD 97-10 remainder 1.  The remainder
-- is folded one character at a time, as in C, instead of building a
-- 30-odd digit numeric.
CREATE FUNCTION amobill.kz_iban_valid(s text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	t text;
	c int;
	r int := 0;
BEGIN
	IF s !~ '^KZ[0-9]{5}[0-9A-Z]{13}$' THEN
		RETURN false;
	END IF;
	t := substr(s, 5) || substr(s, 1, 4);
	FOR i IN 1..20 LOOP
		c := ascii(substr(t, i, 1));
		IF c BETWEEN 48 AND 57 THEN
			r := (r * 10 + (c - 48)) % 97;
		ELSE
			-- 'A' is 10 ... 'Z' is 35, two decimal digits.
			r := (r * 100 + (c - 55)) % 97;
		END IF;
	END LOOP;
	RETURN r = 1;
END
$$;

-- BIC of a Kazakh institution: ^[A-Z]{4}KZ[A-Z0-9]{2}([A-Z0-9]{3})?$,
-- upper case only.  A single regex needs no ordering, so plain SQL.
CREATE FUNCTION amobill.kz_bic_valid(s text)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN s ~ '^[A-Z]{4}KZ[A-Z0-9]{2}([A-Z0-9]{3})?$';
