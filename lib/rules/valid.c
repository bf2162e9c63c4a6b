/*
 * valid.c: the site's field validators; see valid.h.
 */
#include <stdio.h>
#include <string.h>

#include "amohost.h"
#include "crypto.h"
#include "kzid.h"
#include "utf8.h"
#include "valid.h"

static int
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static void
lower_ascii(struct form_value *v)
{
	size_t	i;

	for (i = 0; i < v->len; i++)
		if (v->str[i] >= 'A' && v->str[i] <= 'Z')
			v->str[i] = (char)(v->str[i] - 'A' + 'a');
}

/* Drops leading and trailing spaces in place. */
static void
trim(struct form_value *v)
{
	size_t	start = 0;

	while (start < v->len && v->str[start] == ' ')
		start++;
	while (v->len > start && v->str[v->len - 1] == ' ')
		v->len--;
	memmove(v->str, v->str + start, v->len - start);
	v->len -= start;
	v->str[v->len] = '\0';
}

const char *
valid_login(struct form_value *v)
{
	size_t	i;

	if (v->len < 3 || v->len > 32)
		return "Логин: от 3 до 32 символов.";
	for (i = 0; i < v->len; i++)
		if (!is_lower_alnum(v->str[i]) && strchr("._-", v->str[i]) ==
		    NULL)
			return "Логин: только строчные латинские буквы, "
			    "цифры, точка, «_» и «-».";
	return NULL;
}

const char *
valid_email(struct form_value *v)
{
	const char	*at, *p, *label;
	size_t		 local;

	trim(v);
	lower_ascii(v);
	if (v->len < 6 || v->len > 254 ||
	    (at = memchr(v->str, '@', v->len)) == NULL)
		return "Укажите адрес электронной почты, например "
		    "name@example.kz.";
	local = (size_t)(at - v->str);
	if (local == 0 || local > 64 || v->str[0] == '.' || at[-1] == '.')
		return "Неверный адрес электронной почты.";
	/* A practical subset of RFC 5322: no quoting, no comments. */
	for (p = v->str; p < at; p++)
		if (!is_lower_alnum(*p) && strchr("._%+-", *p) == NULL)
			return "Неверный адрес электронной почты.";
	if (strstr(v->str, "..") != NULL)
		return "Неверный адрес электронной почты.";
	/* Domain: dot-separated labels of a-z 0-9 -, at least two. */
	for (label = p = at + 1;; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label || *label == '-' || p[-1] == '-' ||
			    p - label > 63)
				return "Неверный адрес электронной почты.";
			if (*p == '\0')
				break;
			label = p + 1;
		} else if (!is_lower_alnum(*p) && *p != '-')
			return "Неверный адрес электронной почты.";
	}
	if (strchr(at, '.') == NULL)
		return "Неверный адрес электронной почты.";
	return NULL;
}

const char *
valid_login_or_email(struct form_value *v)
{
	trim(v);
	lower_ascii(v);
	if (v->len < 3 || v->len > 254)
		return "Укажите логин или адрес электронной почты.";
	return NULL;
}

const char *
valid_password(struct form_value *v)
{
	size_t	n = utf8_length(v->str, v->len);

	if (n < 10)
		return "Пароль: не менее 10 символов.";
	if (n > 128)
		return "Пароль: не более 128 символов.";
	return NULL;
}

/*
 * Invisible format characters: the soft hyphen, zero-width characters,
 * line and paragraph separators, the bidirectional marks, embeddings,
 * overrides and isolates (after U+202E the text is shown right to left),
 * the byte order mark and the interlinear annotations.  None belongs in a
 * name or an address, and each can make one text look like another.
 */
static int
invisible(uint32_t cp)
{
	return cp == 0xad || cp == 0x61c || cp == 0x180e ||
	    (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
	    (cp >= 0xfff9 && cp <= 0xfffb);
}

/*
 * Text a person types: no control characters, no invisible format
 * characters, and none of the characters that only markup or code would
 * need.  Returns 1 if acceptable.
 */
static int
plain_text(const struct form_value *v, const char *ascii_allowed)
{
	uint32_t	cp;
	size_t		i, k;

	for (i = 0; i < v->len; i += k) {
		k = utf8_decode(v->str + i, v->len - i, &cp);
		if (k == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    invisible(cp))
			return 0;
		if (cp < 0x80 && !(cp >= 'a' && cp <= 'z') &&
		    !(cp >= 'A' && cp <= 'Z') &&
		    strchr(ascii_allowed, (int)cp) == NULL)
			return 0;
	}
	return 1;
}

const char *
valid_full_name(struct form_value *v)
{
	size_t	n;

	trim(v);
	n = utf8_length(v->str, v->len);
	if (n < 2 || n > 200)
		return "ФИО или наименование: от 2 до 200 символов.";
	if (!plain_text(v, " -'.,\"0123456789()«»"))
		return "ФИО или наименование: только буквы, цифры, пробелы "
		    "и знаки - ' . , \" ( ).";
	return NULL;
}

const char *
valid_address(struct form_value *v)
{
	size_t	n;

	trim(v);
	n = utf8_length(v->str, v->len);
	if (n < 5 || n > 300)
		return "Адрес: от 5 до 300 символов.";
	if (!plain_text(v, " -'.,\"0123456789()/#:№"))
		return "Адрес: только буквы, цифры, пробелы и знаки "
		    "- ' . , \" ( ) / # : №.";
	return NULL;
}

const char *
valid_reason(struct form_value *v)
{
	struct form_value	line;
	size_t			i, start, n;

	trim(v);
	n = utf8_length(v->str, v->len);
	if (n < 20)
		return "Опишите причину отказа подробнее: не менее 20 символов.";
	if (n > 2000)
		return "Причина: не более 2000 символов.";
	/* Line by line, the same characters as an address allows. */
	for (start = i = 0; i <= v->len; i++) {
		if (i < v->len && v->str[i] != '\n')
			continue;
		line.str = v->str + start;
		line.len = i - start;
		if (line.len > 0 && line.str[line.len - 1] == '\r')
			line.len--;
		if (!plain_text(&line, " -'.,\"0123456789()/#:№!?;%+"))
			return "Причина: только буквы, цифры и обычные знаки "
			    "препинания.";
		start = i + 1;
	}
	return NULL;
}

const char *
valid_iban(struct form_value *v)
{
	size_t	n = kz_compact(v->str, v->len + 1, v->str, v->len, 1);

	/* Keep len in step with str, whether the value passes or not. */
	if (n != (size_t)-1)
		v->len = n;
	if (n == (size_t)-1 || !kz_iban_valid(v->str, n))
		return "Укажите казахстанский IBAN (ИИК): KZ и 18 знаков, "
		    "например KZ86125KZT5004100100.";
	return NULL;
}

const char *
valid_bic(struct form_value *v)
{
	size_t	n = kz_compact(v->str, v->len + 1, v->str, v->len, 1);

	/* Keep len in step with str, whether the value passes or not. */
	if (n != (size_t)-1)
		v->len = n;
	if (n == (size_t)-1 || !kz_bic_valid(v->str, n))
		return "Укажите БИК банка: 8 или 11 знаков, например CASPKZKA.";
	return NULL;
}

const char *
valid_inv_id(struct form_value *v)
{
	long long	n = 0;
	size_t		i;

	if (v->len > 10 || v->str[0] == '0' ||
	    strspn(v->str, "0123456789") != v->len)
		return "Неверный номер заказа.";
	for (i = 0; i < v->len; i++)
		n = n * 10 + (v->str[i] - '0');
	if (n < 1 || n > 2147483647LL)
		return "Неверный номер заказа.";
	v->num = n;
	return NULL;
}

const char *
valid_status(struct form_value *v)
{
	long long	s;

	for (s = STATUS_INDIVIDUAL; s <= STATUS_LEGAL_ENTITY; s++)
		if (strcmp(v->str, status_name(s)) == 0) {
			v->num = s;
			return NULL;
		}
	return "Выберите статус: физическое или юридическое лицо.";
}

const char *
valid_iin_bin(struct form_value *v)
{
	size_t	n;

	/* Compacting in place never fails: the result is never longer. */
	n = kz_compact(v->str, v->len + 1, v->str, v->len, 0);
	if (n == (size_t)-1)
		return "ИИН/БИН: 12 цифр.";
	/* Keep len in step with str, whether the value passes or not. */
	v->len = n;
	if (n != 12 || strspn(v->str, "0123456789") != 12)
		return "ИИН/БИН: 12 цифр.";
	if (!kzid_valid(v->str, n))
		return "ИИН/БИН: неверная контрольная цифра, проверьте номер.";
	if (kzid_classify(v->str, n) == KZID_INVALID)
		return "ИИН/БИН: номер такого вида не выдаётся, проверьте его.";
	return NULL;
}

const char *
valid_iin_bin_for(const char *iin_bin, long long status)
{
	enum kzid_kind	k = kzid_classify(iin_bin, strlen(iin_bin));

	if (status == STATUS_INDIVIDUAL && k != KZID_IIN)
		return "Для физического лица укажите ИИН, а не БИН.";
	if (status == STATUS_LEGAL_ENTITY && k != KZID_BIN)
		return "Для юридического лица укажите БИН, а не ИИН.";
	return NULL;
}

const char valid_unticked[] = "Отметьте этот пункт, чтобы продолжить.";

const char *
valid_yes(struct form_value *v)
{
	return strcmp(v->str, "yes") == 0 ? NULL : valid_unticked;
}

const char *
valid_token(struct form_value *v)
{
	return crypto_token_shape(v->str, v->len) ? NULL :
	    "Неверный или устаревший ключ формы.";
}

const char *
valid_amo_domain(struct form_value *v)
{
	char	host[AMO_HOST_MAX];
	size_t	skip = 0;

	trim(v);
	lower_ascii(v);
	if (strncmp(v->str, "https://", 8) == 0)
		skip = 8;
	else if (strncmp(v->str, "http://", 7) == 0)
		skip = 7;
	memmove(v->str, v->str + skip, v->len - skip + 1);
	v->len -= skip;
	if (v->len > 0 && v->str[v->len - 1] == '/')
		v->str[--v->len] = '\0';
	if (amo_host(v->str, host) == -1)
		return "Укажите адрес аккаунта amoCRM: например, mycompany или "
		    "mycompany.amocrm.ru (также .kommo.com, .amocrm.com).";
	return NULL;
}
