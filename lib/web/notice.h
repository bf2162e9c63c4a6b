/*
 * notice.h: the one-line notices a page shows after a redirect ("Пароль
 * изменён. Войдите с новым паролем."): a short-lived cookie "notice"
 * names the notice, never data, and the page that shows it clears it.
 * The codes and their texts live here, where the program that sets a
 * notice and the one that shows it both find them.
 *
 * Layer rules (lib/web): may use http.h; never page.h, reply.h or the
 * database.
 */
#ifndef NOTICE_H
#define NOTICE_H

#include "http.h"

#define NOTICE_RESET_SENT	"reset_sent"
#define NOTICE_PASSWORD_CHANGED	"password_changed"
#define NOTICE_EMAIL_LINK_SENT	"email_link_sent"
#define NOTICE_EMAIL_RESTORED	"email_restored"

/* Sends the browser to location, which is to show the notice code. */
void		 notice_redirect(struct request *, const char *code,
		    const char *location);

/*
 * The text of the notice the request's cookie names, or NULL if none (or
 * an unknown one); a cookie that was sent is cleared either way.
 */
const char	*notice_take(struct request *);

#endif
