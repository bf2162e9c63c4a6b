/*
 * notice.c: notices across a redirect; see notice.h.
 */
#include <string.h>

#include "notice.h"

static const struct { const char *code, *text; } notices[] = {
	{ NOTICE_RESET_SENT, "Если этот адрес зарегистрирован, на него "
	  "отправлено письмо со ссылкой для смены пароля. Ссылка действует "
	  "один час." },
	{ NOTICE_PASSWORD_CHANGED, "Пароль изменён. Войдите с новым паролем." },
};

void
notice_redirect(struct request *req, const char *code, const char *location)
{
	http_cookie(req, "notice", code, 300, COOKIE_HTTPONLY);
	http_redirect(req, location);
}

const char *
notice_take(struct request *req)
{
	const char	*text = NULL;
	char		 code[24];
	size_t		 i;

	if (http_cookie_get(req, "notice", code, sizeof(code)) <= 0)
		return NULL;
	for (i = 0; i < sizeof(notices) / sizeof(notices[0]); i++)
		if (strcmp(notices[i].code, code) == 0)
			text = notices[i].text;
	http_cookie(req, "notice", "", -1, COOKIE_HTTPONLY);
	return text;
}
