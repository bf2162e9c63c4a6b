/*
 * mailer: sends the outbox (contract §6).  A long-running program, not a
 * FastCGI one:
 *
 *	mailer [-c config] [-i seconds] [--once]
 *
 * Events write their messages to amobill.mail_outbox in their own
 * transaction (sql/009_mail.sql); this program delivers them.  Each round
 * it queues the reminders that are due (amobill.mail_enqueue_reminders(),
 * harmless to run any number of times), then takes the due messages one
 * at a time: it claims one (FOR UPDATE SKIP LOCKED, with a lease, so any
 * number of mailers can run), makes the token of its link if it has one
 * (only the token's SHA-256 is stored), commits, renders the message
 * from the templates below, hands it to the SMTP server with libcurl,
 * and records the attempt.  A failed attempt is retried with exponential
 * back-off (30 s doubling to an hour) until the message is two days old
 * (its give_up_at), when it is marked failed.  Between rounds it waits
 * for a notification on mail_queued (a new message) or at most -i
 * seconds (default 30).
 *
 * SIGTERM or SIGINT ends it after the message in hand.  With --once it
 * runs one round and exits: 0 if every message it tried was sent, 1
 * otherwise.  The log names messages by id and kind, never by address.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "command.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "mail.h"
#include "money.h"
#include "valid.h"

#define POLL_DEFAULT	30		/* seconds between rounds */
#define POLL_MAX	3600
#define LEASE		"300"		/* seconds a claimed message is ours */
#define ROUND_MAX	500		/* messages in one round at most */
#define MAX_VARS	48
#define DETAIL_MAX	300
#define URL_MAX		1024

static const struct db_stmt statements[] = {
	{ "reminders",
	  "SELECT amobill.mail_enqueue_reminders()" },
	/* The next due message, ours for the lease. */
	{ "claim",
	  "WITH m AS ("
	  "  SELECT id FROM amobill.mail_outbox"
	  "   WHERE state = 'pending' AND next_attempt_at <= now()"
	  "   ORDER BY next_attempt_at, id LIMIT 1"
	  "   FOR UPDATE SKIP LOCKED)"
	  " UPDATE amobill.mail_outbox o SET attempts = o.attempts + 1,"
	  "       next_attempt_at = now() + make_interval(secs => $1::int)"
	  "  FROM m WHERE o.id = m.id"
	  " RETURNING o.id, o.kind, o.to_address, o.data::text, o.attempts" },
	/* A link's token: resets last an hour, confirmations a week. */
	{ "token_add",
	  "INSERT INTO amobill.mail_tokens (token_hash, purpose, user_id,"
	  "    email, outbox_id, expires_at)"
	  " SELECT decode($2, 'hex'), o.kind, o.user_id, o.to_address, o.id,"
	  "        now() + CASE o.kind WHEN 'password_reset'"
	  "            THEN interval '1 hour' ELSE interval '7 days' END"
	  "   FROM amobill.mail_outbox o"
	  "  WHERE o.id = $1::bigint"
	  "    AND o.kind IN ('verify_email', 'password_reset')"
	  " RETURNING amobill.mail_day(expires_at),"
	  "           amobill.mail_time(expires_at)" },
	/* The attempt, and what follows: sent, the next try, or failed. */
	{ "record",
	  "WITH a AS (INSERT INTO amobill.mail_attempts (outbox_id, ok, detail)"
	  "    VALUES ($1::bigint, $2::boolean, $3::text))"
	  " UPDATE amobill.mail_outbox SET"
	  "       state = CASE WHEN $2::boolean THEN 'sent'"
	  "           WHEN now() >= give_up_at THEN 'failed'"
	  "           ELSE 'pending' END,"
	  "       sent_at = CASE WHEN $2::boolean THEN now() END,"
	  "       message_id = CASE WHEN $2::boolean THEN $4::text"
	  "           ELSE message_id END,"
	  "       next_attempt_at = now() + least(interval '1 hour',"
	  "           interval '30 seconds' *"
	  "           power(2, least(attempts - 1, 12)))"
	  " WHERE id = $1::bigint"
	  " RETURNING state,"
	  "           ceil(extract(epoch FROM next_attempt_at - now()))" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = { statements, NULL };

/*
 * The messages.  Subjects and bodies are templates (mail.h): {{name}} is
 * a value of the event's data or one of those vars() adds.  Every body
 * ends with the footer.
 */
struct kind {
	const char	*name;
	const char	*subject;
	const char	*body;
	int		 token;		/* the message carries a link token */
};

static const char footer[] =
    "\n\nС уважением,\n{{merchant_name}}\n{{site_url}}\n"
    "Поддержка: {{support_email}}";

static const struct kind kinds[] = {
	{ "verify_email", "Подтвердите адрес электронной почты",
	  "Здравствуйте, {{login}}!\n\n"
	  "Подтвердите, пожалуйста, что этот адрес электронной почты "
	  "принадлежит вам: он указан в учётной записи {{login}} на нашем "
	  "сайте. Для этого перейдите по ссылке:\n\n"
	  "{{verify_url}}\n\n"
	  "Ссылка действует до {{expires}} {{expires_time}} по времени "
	  "Алматы.\n\n"
	  "Если вы не регистрировались на сайте и не меняли адрес, просто не "
	  "обращайте внимания на это письмо.", 1 },
	{ "password_reset", "Восстановление пароля",
	  "Здравствуйте, {{login}}!\n\n"
	  "Мы получили запрос на смену пароля учётной записи {{login}}. Чтобы "
	  "задать новый пароль, перейдите по ссылке:\n\n"
	  "{{reset_url}}\n\n"
	  "Ссылка действует один час, до {{expires}} {{expires_time}} по "
	  "времени Алматы, и только один раз. После смены пароля все открытые "
	  "сеансы входа завершатся.\n\n"
	  "Если вы не запрашивали смену пароля, ничего не делайте: пароль "
	  "останется прежним.", 1 },
	{ "payment_received", "Оплата заказа № {{inv_id}} получена",
	  "Здравствуйте, {{login}}!\n\n"
	  "Мы получили оплату заказа № {{inv_id}}. Спасибо!\n\n"
	  "Сумма: {{amount}}\n"
	  "Тариф: {{plan}}\n"
	  "Аккаунт amoCRM: {{host}}\n"
	  "Срок лицензии: с {{starts}} по {{ends}}\n"
	  "Дата оплаты: {{paid}}\n\n"
	  "Заказы и лицензии — в личном кабинете: {{account_url}}", 0 },
	{ "license_ending",
	  "{{what}} для {{host}} заканчивается через {{days_text}}",
	  "Здравствуйте, {{login}}!\n\n"
	  "{{what}} на виджеты для аккаунта amoCRM {{host}} заканчивается "
	  "через {{days_text}}: {{ends}} в {{ends_time}} по времени Алматы.\n\n"
	  "Чтобы виджеты продолжали работать, оформите подписку в личном "
	  "кабинете: {{checkout_url}}", 0 },
	{ "refund_requested",
	  "Заявление на возврат по заказу № {{inv_id}} получено",
	  "Здравствуйте, {{login}}!\n\n"
	  "Мы получили ваше заявление на возврат денег по заказу № {{inv_id}} "
	  "(аккаунт amoCRM {{host}}).\n\n"
	  "Номер заявления: {{refund_id}}\n"
	  "Дата заявления: {{requested}}\n"
	  "Сумма к возврату: {{amount}}\n\n"
	  "Мы рассмотрим заявление и сообщим о решении письмом. Если оно "
	  "будет одобрено, деньги поступят на указанный вами счёт в течение "
	  "14 дней со дня решения.", 0 },
	{ "refund_request_admin",
	  "Заявление на возврат № {{refund_id}} по заказу № {{inv_id}}",
	  "Поступило заявление на возврат денег.\n\n"
	  "Заявление: № {{refund_id}} от {{requested}}\n"
	  "Заказ: № {{inv_id}} на {{order_amount}}, оплачен {{paid}}\n"
	  "Аккаунт amoCRM: {{host}}\n"
	  "Покупатель: {{full_name}}, логин {{login}}, {{email}} "
	  "(user_id {{user_id}})\n"
	  "Использовано дней: {{days_used}} из {{days_total}}\n"
	  "Сумма к возврату: {{amount}}\n\n"
	  "Причина:\n{{reason}}\n\n"
	  "Реквизиты для возврата:\n"
	  "Получатель: {{recipient}}\n"
	  "ИИН/БИН получателя: {{recipient_iin_bin}}\n"
	  "IBAN: {{iban}}\n"
	  "БИК: {{bic}}\n\n"
	  "Полный ИИН/БИН — в admin.refunds_due. Решение: "
	  "admin.approve_refund({{refund_id}}, '...') или "
	  "admin.reject_refund({{refund_id}}, '...'), после выплаты — "
	  "admin.mark_refund_paid({{refund_id}}, '...'). Выплата — в течение "
	  "14 дней со дня решения.", 0 },
	{ "refund_approved", "Возврат по заказу № {{inv_id}} одобрен",
	  "Здравствуйте, {{login}}!\n\n"
	  "Ваше заявление № {{refund_id}} от {{requested}} на возврат денег "
	  "по заказу № {{inv_id}} одобрено {{decided}}.\n\n"
	  "Сумма к возврату: {{amount}}\n"
	  "Срок выплаты: до {{deadline}}\n\n"
	  "Лицензия по этому заказу прекращена. Мы напишем, когда деньги "
	  "будут отправлены.", 0 },
	{ "refund_rejected", "Возврат по заказу № {{inv_id}} отклонён",
	  "Здравствуйте, {{login}}!\n\n"
	  "Ваше заявление № {{refund_id}} от {{requested}} на возврат денег "
	  "по заказу № {{inv_id}} отклонено {{decided}}. Лицензия по заказу "
	  "продолжает действовать.\n\n"
	  "Если у вас есть вопросы, напишите нам: {{support_email}}", 0 },
	{ "refund_paid", "Деньги по заказу № {{inv_id}} возвращены",
	  "Здравствуйте, {{login}}!\n\n"
	  "Деньги по заявлению № {{refund_id}} (заказ № {{inv_id}}) "
	  "отправлены {{paid}} на счёт, указанный в заявлении.\n\n"
	  "Сумма: {{amount}}\n"
	  "Платёжный документ: {{reference}}\n\n"
	  "Зачисление может занять несколько рабочих дней: это зависит от "
	  "банка.", 0 },
	{ "account_blocked", "Доступ к личному кабинету заблокирован",
	  "Здравствуйте, {{login}}!\n\n"
	  "Доступ к личному кабинету и лицензии на виджеты для ваших "
	  "аккаунтов amoCRM заблокированы {{since}} {{reason_text}}.\n\n"
	  "Вопросы можно задать по адресу {{support_email}}", 0 },
};

static const struct kind *
kind_get(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

/* A message taken from the outbox. */
struct outgoing {
	char		 id[24];
	char		 kind[32];
	char		 to[256];
	char		 attempts[12];
	cJSON		*data;
	char		 token[CRYPTO_TOKEN_LEN + 1];	/* "" if none */
	char		 expires[16];
	char		 expires_time[8];
};

static void
outgoing_free(struct outgoing *o)
{
	cJSON_Delete(o->data);
	OPENSSL_cleanse(o, sizeof(*o));
}

/* Makes the message's link token and stores its hash.  0 or -1. */
static int
add_token(struct outgoing *o)
{
	char		 key[2 * CRYPTO_SHA256_LEN + 1];
	const char	*p[2] = { o->id, key };
	PGresult	*res;
	int		 rc = -1;

	if (crypto_token(o->token) == -1 || crypto_token_key(o->token, key) == -1)
		return -1;
	res = db_exec("token_add", 2, p);
	if (res != NULL && db_ok(res) && PQntuples(res) == 1) {
		snprintf(o->expires, sizeof(o->expires), "%s",
		    PQgetvalue(res, 0, 0));
		snprintf(o->expires_time, sizeof(o->expires_time), "%s",
		    PQgetvalue(res, 0, 1));
		rc = 0;
	}
	PQclear(res);
	return rc;
}

/*
 * Takes the next due message, with its token if it has a link.  Returns
 * 1 (o filled), 0 if none is due, -1 if the database failed.
 */
static int
claim(const struct config *cfg, struct outgoing *o)
{
	const char		*p[1] = { LEASE };
	const struct kind	*k;
	PGresult		*res = NULL;
	int			 rc = -1;

	memset(o, 0, sizeof(*o));
	if (db_begin() == -1)
		return -1;
	if ((res = db_exec("claim", 1, p)) == NULL || !db_ok(res))
		goto out;
	if (PQntuples(res) == 0) {
		rc = 0;
		goto out;
	}
	snprintf(o->id, sizeof(o->id), "%s", PQgetvalue(res, 0, 0));
	snprintf(o->kind, sizeof(o->kind), "%s", PQgetvalue(res, 0, 1));
	/* No address: the administrator's copy. */
	snprintf(o->to, sizeof(o->to), "%s", PQgetisnull(res, 0, 2) ?
	    cfg->admin_email : PQgetvalue(res, 0, 2));
	o->data = cJSON_Parse(PQgetvalue(res, 0, 3));
	snprintf(o->attempts, sizeof(o->attempts), "%s",
	    PQgetvalue(res, 0, 4));
	if ((k = kind_get(o->kind)) != NULL && k->token &&
	    add_token(o) == -1)
		goto out;
	if (db_commit() == -1)
		goto out;
	rc = 1;
out:
	PQclear(res);
	db_rollback();
	if (rc != 1)
		outgoing_free(o);
	return rc;
}

/* ---- rendering ---- */

struct vars {
	struct tmpl_var	 v[MAX_VARS];
	size_t		 n;
	char		 text[MAX_VARS][URL_MAX];	/* values made here */
	size_t		 ntext;
};

static void
var_add(struct vars *vs, const char *name, const char *value)
{
	if (vs->n < MAX_VARS)
		vs->v[vs->n++] = (struct tmpl_var){ name, value };
}

/* A value made here: formatted into the vars' own storage. */
static void
var_printf(struct vars *vs, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
var_printf(struct vars *vs, const char *name, const char *fmt, ...)
{
	va_list	ap;

	if (vs->ntext == MAX_VARS)
		return;
	va_start(ap, fmt);
	vsnprintf(vs->text[vs->ntext], URL_MAX, fmt, ap);
	va_end(ap);
	var_add(vs, name, vs->text[vs->ntext++]);
}

static void
amount_var(struct vars *vs, const char *name, const cJSON *tiyn)
{
	char	text[MONEY_TEXT];

	if (!cJSON_IsNumber(tiyn))
		return;
	money_display((long long)tiyn->valuedouble, text);
	var_printf(vs, name, "%s", text);
}

/* The values of the message: its event's data, and what is made here. */
static void
vars(struct vars *vs, const struct config *cfg, const struct outgoing *o)
{
	const cJSON	*item;
	const char	*s;

	memset(vs, 0, sizeof(*vs));
	cJSON_ArrayForEach(item, o->data) {
		if (cJSON_IsString(item))
			var_add(vs, item->string, item->valuestring);
		else if (cJSON_IsNumber(item))
			var_printf(vs, item->string, "%.0f",
			    item->valuedouble);
	}
	amount_var(vs, "amount", cJSON_GetObjectItemCaseSensitive(o->data,
	    "amount_tiyn"));
	amount_var(vs, "order_amount", cJSON_GetObjectItemCaseSensitive(
	    o->data, "order_amount_tiyn"));
	var_add(vs, "merchant_name", cfg->merchant_name);
	var_add(vs, "support_email", cfg->support_email);
	var_printf(vs, "site_url", "%s/", cfg->base_url);
	var_printf(vs, "account_url", "%s/account", cfg->base_url);
	var_printf(vs, "checkout_url", "%s/checkout", cfg->base_url);
	if (o->token[0] != '\0') {
		var_printf(vs, strcmp(o->kind, "password_reset") == 0 ?
		    "reset_url" : "verify_url", "%s%s?token=%s",
		    cfg->base_url, strcmp(o->kind, "password_reset") == 0 ?
		    "/password/reset" : "/email/verify", o->token);
		var_add(vs, "expires", o->expires);
		var_add(vs, "expires_time", o->expires_time);
	}
	item = cJSON_GetObjectItemCaseSensitive(o->data, "kind");
	var_add(vs, "what", cJSON_IsString(item) &&
	    strcmp(item->valuestring, "trial") == 0 ? "Пробный период" :
	    "Подписка");
	item = cJSON_GetObjectItemCaseSensitive(o->data, "days");
	var_add(vs, "days_text", cJSON_IsNumber(item) &&
	    item->valuedouble == 1 ? "1 день" : "7 дней");
	item = cJSON_GetObjectItemCaseSensitive(o->data, "reason");
	s = cJSON_IsString(item) ? block_reason_text(item->valuestring) : "";
	var_add(vs, "reason_text", s);
}

/* Random hex, for the Message-ID and the boundary. */
static int
random_hex(char *out, size_t bytes)
{
	unsigned char	r[32];
	size_t		i;

	if (bytes > sizeof(r) || crypto_random(r, bytes) == -1)
		return -1;
	for (i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return 0;
}

/*
 * The message as it goes to the server, into msg; its Message-ID into
 * mid.  Returns 0 or -1.
 */
static int
render(const struct config *cfg, const struct outgoing *o, struct buf *msg,
    char *mid, size_t midsz)
{
	const struct kind	*k = kind_get(o->kind);
	struct vars		*vs;
	struct buf		 subject, text, html, body;
	struct mail_message	 m;
	char			 rnd[33], boundary[48];
	int			 rc = -1;

	if (k == NULL || o->data == NULL ||
	    (vs = malloc(sizeof(*vs))) == NULL)
		return -1;
	vars(vs, cfg, o);
	buf_init(&subject, 1024);
	buf_init(&text, MAIL_MAX);
	buf_init(&html, MAIL_MAX);
	buf_init(&body, MAIL_MAX);
	mail_text(&subject, k->subject, vs->v, vs->n);
	buf_printf(&body, "%s%s", k->body, footer);
	mail_text(&text, buf_str(&body), vs->v, vs->n);
	buf_adds(&html, "<!doctype html>\n<html lang=\"ru\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>");
	html_escapes(&html, buf_str(&subject));
	buf_adds(&html, "</title>\n</head>\n<body>\n");
	mail_html(&html, buf_str(&body), vs->v, vs->n);
	buf_adds(&html, "</body>\n</html>\n");
	if (subject.failed || text.failed || html.failed ||
	    random_hex(rnd, 16) == -1)
		goto out;
	snprintf(mid, midsz, "%s.%lld@%s", rnd, (long long)time(NULL),
	    mail_domain(cfg->mail_from));
	if (random_hex(rnd, 12) == -1)
		goto out;
	snprintf(boundary, sizeof(boundary), "amobill-%s", rnd);
	m = (struct mail_message){
		.from = cfg->mail_from,
		.from_name = cfg->merchant_name,
		.reply_to = cfg->support_email,
		.to = o->to,
		.subject = buf_str(&subject),
		.text = buf_str(&text),
		.html = buf_str(&html),
		.date = time(NULL),
		.message_id = mid,
		.boundary = boundary,
	};
	rc = mail_build(msg, &m);
out:
	/* The texts may hold a link's token. */
	if (text.data != NULL)
		OPENSSL_cleanse(text.data, text.len);
	if (html.data != NULL)
		OPENSSL_cleanse(html.data, html.len);
	buf_free(&subject);
	buf_free(&text);
	buf_free(&html);
	buf_free(&body);
	OPENSSL_cleanse(vs, sizeof(*vs));
	free(vs);
	return rc;
}

/* ---- SMTP ---- */

struct upload {
	const char	*p;
	size_t		 left;
};

static size_t
feed(char *dst, size_t size, size_t n, void *arg)
{
	struct upload	*u = arg;
	size_t		 k = size * n < u->left ? size * n : u->left;

	memcpy(dst, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

/*
 * Hands the message to the server.  Returns 0 if it took it; detail says
 * what happened in libcurl's words and the server's last reply code (no
 * addresses, nothing of the message).
 */
static int
smtp_send(const struct config *cfg, const char *to, const struct buf *msg,
    char *detail, size_t detailsz)
{
	CURL			*c;
	struct curl_slist	*rcpt = NULL;
	struct upload		 up = { msg->data, msg->len };
	char			 url[URL_MAX], from[300];
	long			 code = 0;
	CURLcode		 rc = CURLE_FAILED_INIT;

	snprintf(url, sizeof(url), "%s/%s", cfg->smtp_url,
	    mail_domain(cfg->mail_from));
	snprintf(from, sizeof(from), "<%s>", cfg->mail_from);
	if ((c = curl_easy_init()) == NULL ||
	    (rcpt = curl_slist_append(NULL, to)) == NULL)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, feed);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (strncmp(cfg->smtp_url, "smtp://", 7) == 0)
		/*
		 * STARTTLS where the server offers it; with a password,
		 * required, so that it never crosses the network in clear.
		 */
		curl_easy_setopt(c, CURLOPT_USE_SSL, cfg->smtp_user != NULL ?
		    (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
	if (cfg->smtp_user != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user);
		if (cfg->smtp_password != NULL)
			curl_easy_setopt(c, CURLOPT_PASSWORD,
			    cfg->smtp_password);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
out:
	snprintf(detail, detailsz, "%s; smtp %ld", rc == CURLE_OK ? "sent" :
	    curl_easy_strerror(rc), code);
	curl_slist_free_all(rcpt);
	if (c != NULL)
		curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

/* ---- a round ---- */

/* Records the attempt, with one log line.  Returns 0 or -1. */
static int
record(const struct outgoing *o, int ok, const char *detail,
    const char *mid)
{
	const char	*p[4] = { o->id, ok ? "true" : "false", detail, mid };
	PGresult	*res;
	int		 rc = -1;

	res = db_exec("record", 4, p);
	if (res != NULL && db_ok(res) && PQntuples(res) == 1) {
		if (ok)
			log_msg("message %s (%s) sent", o->id, o->kind);
		else if (strcmp(PQgetvalue(res, 0, 0), "failed") == 0)
			log_msg("message %s (%s) attempt %s failed: %s; "
			    "given up", o->id, o->kind, o->attempts, detail);
		else
			log_msg("message %s (%s) attempt %s failed: %s; "
			    "next in %s s", o->id, o->kind, o->attempts,
			    detail, PQgetvalue(res, 0, 1));
		rc = 0;
	} else
		log_msg("message %s (%s): cannot record the attempt", o->id,
		    o->kind);
	PQclear(res);
	return rc;
}

/*
 * Sends one due message.  Returns 1 if it was sent, 2 if an attempt
 * failed, 0 if none was due, -1 if the database failed.
 */
static int
deliver_one(const struct config *cfg)
{
	struct outgoing	 o;
	struct buf	 msg;
	char		 detail[DETAIL_MAX], mid[128] = "";
	int		 got, ok = 0;

	if ((got = claim(cfg, &o)) != 1)
		return got;
	buf_init(&msg, MAIL_MAX);
	if (render(cfg, &o, &msg, mid, sizeof(mid)) == -1)
		snprintf(detail, sizeof(detail), "the message could not be "
		    "made from its data");
	else
		ok = smtp_send(cfg, o.to, &msg, detail, sizeof(detail)) == 0;
	if (msg.data != NULL)
		OPENSSL_cleanse(msg.data, msg.len);
	buf_free(&msg);
	/* Not recorded: the lease runs out and it is tried again. */
	got = record(&o, ok, detail, mid) == -1 ? -1 : ok ? 1 : 2;
	outgoing_free(&o);
	return got;
}

/*
 * Queues the reminders and sends what is due.  Returns 0 if every
 * message tried was sent, 1 otherwise (or if the database failed).
 */
static int
round_once(const struct config *cfg, int *db_down)
{
	PGresult	*res;
	int		 i, got, rc = 0;

	res = db_exec("reminders", 0, NULL);
	if (res == NULL || !db_ok(res)) {
		if (!*db_down)
			log_msg("database unavailable; waiting");
		*db_down = 1;
		PQclear(res);
		return 1;
	}
	*db_down = 0;
	PQclear(res);
	for (i = 0; i < ROUND_MAX && !command_stopping; i++) {
		if ((got = deliver_one(cfg)) == 0)
			break;
		if (got != 1)
			rc = 1;
		if (got == -1)
			break;
	}
	return rc;
}

/* The keys the mailer needs beyond what every program does. */
static int
config_mail(const struct config *cfg)
{
	if (cfg->smtp_url == NULL)
		log_msg("config: missing key smtp_url");
	else if (cfg->mail_from == NULL)
		log_msg("config: missing key mail_from");
	else if (cfg->admin_email == NULL)
		log_msg("config: missing key admin_email");
	else
		return 0;
	return -1;
}

int
main(int argc, char **argv)
{
	long				 poll_s = POLL_DEFAULT, once = 0;
	const struct command_opt	 opts[] = {
		{ 'i', NULL, 1, POLL_MAX, &poll_s },
		{ 0, "once", 0, 0, &once },
	};
	const struct command		 cmd = { "mailer",
		"[-i seconds] [--once]", opts, 2, 0 };
	struct config			 cfg;
	char				*operand;
	int				 rc, db_down = 0;

	if ((rc = command_start(&cmd, argc, argv, &cfg, &operand)) != 0)
		return rc;
	rc = 1;
	if (config_mail(&cfg) == -1)
		goto out;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_msg("libcurl failed to start");
		goto out;
	}
	if (db_open(cfg.database, "amobill_mail", "mailer", statement_sets) ==
	    -1) {
		log_msg("config: database is unusable");
		curl_global_cleanup();
		goto out;
	}
	db_listen("mail_queued");
	if (once)
		rc = round_once(&cfg, &db_down);
	else {
		log_msg("started; rounds at least every %ld s", poll_s);
		while (!command_stopping) {
			round_once(&cfg, &db_down);
			if (!command_stopping)
				(void)db_wait((int)poll_s * 1000);
		}
		log_msg("stopped");
		rc = 0;
	}
	db_close();
	curl_global_cleanup();
out:
	config_free(&cfg);
	return rc;
}
