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
	{ NOTICE_EMAIL_LINK_SENT, "На новый адрес отправлено письмо со "
	  "ссылкой: адрес сменится, когда вы перейдёте по ней. Прежний адрес "
	  "получил уведомление." },
	{ NOTICE_EMAIL_RESTORED, "Прежний адрес восстановлен, все сеансы "
	  "завершены. Если пароль мог узнать кто-то другой, смените его: "
	  "ссылку пришлём на этот адрес." },
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
