/*
 * mailer: sends the outbox (contract §6).  A long-running program, not a
 * FastCGI one:
 *
 *	mailer [-c config] [-i seconds] [--once]
 *
 * Events write their messages to amobill.mail_outbox in their own
 * transaction (sql/009_mail.sql); this program delivers them.  Each round
 * it resolves the queued requests for a reset link into messages
 * (amobill.mail_resolve_resets(), sql/014_reset_requests.sql: the web
 * request only queues the address, so that its answer and its time are
 * the same whether or not the address is anyone's), queues the reminders
 * that are due (amobill.mail_enqueue_reminders(), harmless to run any
 * number of times), then takes the due messages one
 * at a time: it claims one (FOR UPDATE SKIP LOCKED, with a lease, so any
 * number of mailers can run), makes the token of its link if its kind
 * has one (amobill.mail_kinds; only the token's SHA-256 is stored),
 * renders the message from its kind's templates (templates/mail/,
 * lib/mail/mail.h) with its kind's attachment, if it has one (an order's
 * invoice or act: the PDF stored for it), keeps it in the outbox row and
 * commits; then it hands
 * it to the SMTP server with libcurl and records the attempt, the
 * server's acceptance before anything else.  A claimed message whose
 * last attempt has no recorded outcome (a mailer killed mid-send, or one
 * that could not reach the database to record it) still holds the
 * message it was: that is sent again, byte for byte, so a copy the
 * server had already taken is the same message, same link and
 * Message-ID, and a mail client shows one.  The lease is what a send can
 * take (SEND_MAX, and the time to record it), so such a message goes
 * within a minute of its claim.  A message that cannot be rendered
 * (a template missing, variables or texts over their limits) is not sent:
 * its attempt is recorded as failed, like one the server refused.  A
 * failed attempt is retried with exponential back-off (30 s doubling to
 * an hour), rendered anew with a new link, until the message is two days
 * old (its give_up_at), when it is marked failed.  Between rounds it
 * waits for a notification on mail_queued (a new message) or at most -i
 * seconds (default 30); a queued reset request notifies it too.
 *
 * Before the messages, each round renders the order documents issued
 * since (sql/019_documents.sql): each from its stored row (lib/doc), an
 * act with the seller's details of this program's configuration, and
 * stores the PDF, once, which the mails attach and the download serves.
 * A document that cannot be rendered is logged and tried again the next
 * round; its mail is not taken until it is.
 *
 * SIGTERM or SIGINT ends it after the message in hand.  With --once it
 * runs one round and exits: 0 if every message it tried was sent, 1
 * otherwise.  The log names messages by id and kind, never by address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#include "base64.h"
#include "buf.h"
#include "command.h"
#include "crypto.h"
#include "db.h"
#include "doc.h"
#include "log.h"
#include "mail.h"
#include "money.h"

#define POLL_DEFAULT	30		/* seconds between rounds */
#define POLL_MAX	3600
/*
 * A claimed message is ours for LEASE seconds: a send takes at most
 * SEND_MAX (libcurl's whole transfer), recording it at most RECORD_MAX
 * more, with room to spare.  A message of a mailer that died goes again
 * when the lease runs out.
 */
#define SEND_MAX	30		/* seconds */
#define RECORD_MAX	20		/* seconds of retries to record a send */
#define LEASE		"60"
#define ROUND_MAX	500		/* messages in one round at most */
#define DETAIL_MAX	300
#define URL_MAX		1024
#define RENDER_BATCH	20		/* documents taken at a time */

static const struct db_stmt statements[] = {
	/* Deletes every queued request as it resolves it. */
	{ "resets",
	  "SELECT amobill.mail_resolve_resets()" },
	{ "reminders",
	  "SELECT amobill.mail_enqueue_reminders()" },
	/*
	 * The next due message, ours for the lease, with the message a
	 * previous attempt of unknown outcome left.
	 */
	{ "claim",
	  "WITH m AS ("
	  "  SELECT id FROM amobill.mail_outbox"
	  "   WHERE state = 'pending' AND next_attempt_at <= now()"
	  /* One whose document is not rendered yet waits for a round. */
	  "     AND NOT EXISTS (SELECT FROM amobill.mail_attachment(id) a"
	  "                      WHERE a.pdf IS NULL)"
	  "   ORDER BY next_attempt_at, id LIMIT 1"
	  "   FOR UPDATE SKIP LOCKED)"
	  " UPDATE amobill.mail_outbox o SET attempts = o.attempts + 1,"
	  "       next_attempt_at = now() + make_interval(secs => $1::int)"
	  "  FROM m WHERE o.id = m.id"
	  " RETURNING o.id, o.kind, o.to_address, o.data::text, o.attempts,"
	  "           (SELECT k.link_path FROM amobill.mail_kinds k"
	  "             WHERE k.kind = o.kind), o.message, o.message_id" },
	/* The document a message carries: its file name and the PDF. */
	{ "attachment",
	  "SELECT name, pdf FROM amobill.mail_attachment($1::bigint)" },
	/* The documents to render; those failed this round are skipped. */
	{ "to_render",
	  "SELECT kind, inv_id, doc FROM amobill.documents_to_render($1::jsonb,"
	  "    $2::integer) OFFSET $3::integer" },
	{ "store",
	  "SELECT amobill.store_document($1, $2::integer, decode($3, 'base64'),"
	  "    $4::jsonb)" },
	/* The message made, kept until its attempt is recorded. */
	{ "keep",
	  "UPDATE amobill.mail_outbox SET message = $2, message_id = $3"
	  " WHERE id = $1::bigint" },
	/* A link's token, good as long as its kind says (mail_kinds). */
	{ "token_add",
	  "INSERT INTO amobill.mail_tokens (token_hash, purpose, user_id,"
	  "    email, outbox_id, expires_at)"
	  " SELECT decode($2, 'hex'), o.kind, o.user_id, o.to_address, o.id,"
	  "        now() + k.link_valid"
	  "   FROM amobill.mail_outbox o"
	  "   JOIN amobill.mail_kinds k ON k.kind = o.kind"
	  "  WHERE o.id = $1::bigint AND k.link_path IS NOT NULL"
	  " RETURNING amobill.day_text(expires_at),"
	  "           amobill.mail_time(expires_at)" },
	/*
	 * The attempt, and what follows: sent, the next try, or failed.
	 * Either way the kept message goes: a sent one needs it no more,
	 * and after a failure the server has none, so the next attempt
	 * makes a new one, its link good from then.
	 */
	{ "record",
	  "WITH a AS (INSERT INTO amobill.mail_attempts (outbox_id, ok, detail)"
	  "    VALUES ($1::bigint, $2::boolean, $3::text))"
	  " UPDATE amobill.mail_outbox SET"
	  "       state = CASE WHEN $2::boolean THEN 'sent'"
	  "           WHEN now() >= give_up_at THEN 'failed'"
	  "           ELSE 'pending' END,"
	  "       sent_at = CASE WHEN $2::boolean THEN now() END,"
	  "       message = NULL,"
	  "       message_id = CASE WHEN $2::boolean THEN message_id END,"
	  "       next_attempt_at = now() + least(interval '1 hour',"
	  "           interval '30 seconds' *"
	  "           power(2, least(attempts - 1, 12)))"
	  " WHERE id = $1::bigint"
	  " RETURNING state,"
	  "           ceil(extract(epoch FROM next_attempt_at - now()))" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = { statements, NULL };

/* A message taken from the outbox. */
struct outgoing {
	char		 id[24];
	char		 kind[32];
	char		 to[256];
	char		 attempts[12];
	cJSON		*data;
	char		 link_path[64];	/* of the kind's link, or "" */
	char		 token[CRYPTO_TOKEN_LEN + 1];	/* "" if none */
	char		 expires[16];
	char		 expires_time[8];
	struct buf	 msg;		/* the message, as it goes */
	char		 mid[128];	/* its Message-ID */
	unsigned char	*file;		/* the attachment, or NULL */
	size_t		 file_len;
	char		 file_name[64];
	int		 again;		/* msg is a previous attempt's */
	const char	*why;		/* not NULL: not rendered, why */
};

static void
outgoing_free(struct outgoing *o)
{
	cJSON_Delete(o->data);
	PQfreemem(o->file);
	/* The message may hold a link's token. */
	if (o->msg.data != NULL)
		OPENSSL_cleanse(o->msg.data, o->msg.len);
	buf_free(&o->msg);
	OPENSSL_cleanse(o, sizeof(*o));
}

static int render(const struct config *, const struct outgoing *,
    struct buf *, char *, size_t, const char **);

/*
 * The message's attachment, if its kind has one.  Returns 0 (o->file set,
 * or none to attach), 1 if its document has no PDF yet (o->why says so),
 * -1 if the database failed.
 */
static int
attachment(struct outgoing *o)
{
	const char	*p[1] = { o->id };
	PGresult	*res;
	int		 rc = -1;

	if ((res = db_exec("attachment", 1, p)) == NULL || !db_ok(res))
		goto out;
	rc = 0;
	if (PQntuples(res) == 0)
		goto out;
	rc = 1;
	o->why = "its document is not rendered yet";
	if (PQgetisnull(res, 0, 1) || db_text(res, 0, 0, o->file_name,
	    sizeof(o->file_name)) == -1)
		goto out;
	rc = -1;
	if ((o->file = PQunescapeBytea((const unsigned char *)
	    PQgetvalue(res, 0, 1), &o->file_len)) == NULL)
		goto out;
	o->why = NULL;
	rc = 0;
out:
	PQclear(res);
	return rc;
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
	if (res != NULL && db_ok(res) && PQntuples(res) == 1 &&
	    db_text(res, 0, 0, o->expires, sizeof(o->expires)) == 0 &&
	    db_text(res, 0, 1, o->expires_time, sizeof(o->expires_time)) == 0)
		rc = 0;
	PQclear(res);
	return rc;
}

/*
 * Makes the message of a first claim (or of one after a failed attempt),
 * with its link's token, and keeps it in the outbox row, in the claim's
 * transaction: from the commit on, every attempt sends these bytes until
 * one is recorded.  One that cannot be rendered is not kept (o->why says
 * why) and its attempt is recorded as failed.  Returns 0 or -1.
 */
static int
make(const struct config *cfg, struct outgoing *o)
{
	const char	*p[3];
	PGresult	*res;
	int		 rc = -1;

	if (o->link_path[0] != '\0' && add_token(o) == -1)
		return -1;
	if ((rc = attachment(o)) != 0)
		return rc == 1 ? 0 : -1;
	rc = -1;
	if (render(cfg, o, &o->msg, o->mid, sizeof(o->mid), &o->why) == -1)
		return 0;
	p[0] = o->id;
	p[1] = buf_str(&o->msg);
	p[2] = o->mid;
	res = db_exec("keep", 3, p);
	if (res != NULL && db_ok(res))
		rc = 0;
	PQclear(res);
	return rc;
}

/*
 * Takes the next due message: the one a previous attempt left, or a new
 * one.  Returns 1 (o filled), 0 if none is due, -1 if the database
 * failed.
 */
static int
claim(const struct config *cfg, struct outgoing *o)
{
	const char	*p[1] = { LEASE };
	PGresult	*res = NULL;
	int		 rc = -1;

	memset(o, 0, sizeof(*o));
	buf_init(&o->msg, MAIL_MAX);
	if (db_begin() == -1)
		goto out;
	if ((res = db_exec("claim", 1, p)) == NULL || !db_ok(res))
		goto out;
	if (PQntuples(res) == 0) {
		rc = 0;
		goto out;
	}
	if (db_text(res, 0, 0, o->id, sizeof(o->id)) == -1 ||
	    db_text(res, 0, 1, o->kind, sizeof(o->kind)) == -1 ||
	    db_text(res, 0, 2, o->to, sizeof(o->to)) == -1 ||
	    db_text(res, 0, 4, o->attempts, sizeof(o->attempts)) == -1 ||
	    db_text(res, 0, 5, o->link_path, sizeof(o->link_path)) == -1)
		goto out;
	/* No address: the administrator's copy. */
	if (PQgetisnull(res, 0, 2))
		snprintf(o->to, sizeof(o->to), "%s", cfg->admin_email);
	o->data = cJSON_Parse(PQgetvalue(res, 0, 3));
	if (!PQgetisnull(res, 0, 6)) {
		o->again = 1;
		if (db_text(res, 0, 7, o->mid, sizeof(o->mid)) == -1 ||
		    buf_adds(&o->msg, PQgetvalue(res, 0, 6)) == -1)
			goto out;
	} else if (make(cfg, o) == -1)
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

/*
 * The message's variables: the event's data, and the values made here,
 * which win over any key of the data (mail.h).  A number x_tiyn of the
 * data gives the amount x, as people read it.  If they do not fit, the
 * set is failed and so is the render.
 */
static void
vars(struct mail_vars *vs, const struct config *cfg, const struct outgoing *o)
{
	const cJSON	*item;
	char		 money[MONEY_TEXT];
	size_t		 n;

	mail_vars_init(vs);
	cJSON_ArrayForEach(item, o->data) {
		if (cJSON_IsString(item))
			mail_var_data(vs, item->string, item->valuestring);
		if (!cJSON_IsNumber(item))
			continue;
		mail_var_data(vs, item->string, mail_var_printf(vs, "%.0f",
		    item->valuedouble));
		if ((n = strlen(item->string)) <= 5 ||
		    strcmp(item->string + n - 5, "_tiyn") != 0)
			continue;
		money_display((long long)item->valuedouble, money);
		mail_var_set(vs, mail_var_printf(vs, "%.*s", (int)(n - 5),
		    item->string), mail_var_printf(vs, "%s", money));
	}
	mail_var_set(vs, "merchant_name", cfg->merchant_name);
	mail_var_set(vs, "support_email", cfg->support_email);
	mail_var_set(vs, "site_url", mail_var_printf(vs, "%s/", cfg->base_url));
	mail_var_set(vs, "account_url", mail_var_printf(vs, "%s/account",
	    cfg->base_url));
	mail_var_set(vs, "checkout_url", mail_var_printf(vs, "%s/checkout",
	    cfg->base_url));
	/* Set for every kind: a message's link is never the data's. */
	if (o->token[0] != '\0')
		mail_var_set(vs, "link_url", mail_var_printf(vs,
		    "%s%s?token=%s", cfg->base_url, o->link_path, o->token));
	else
		mail_var_set(vs, "link_url", NULL);
	mail_var_set(vs, "expires", o->expires);
	mail_var_set(vs, "expires_time", o->expires_time);
}

/*
 * The customer's free text in the administrator's mail (a refund's reason,
 * the payee, the buyer's name and login): a mail client makes links of
 * "https://..." or "evil.example", and the administrator would follow one
 * from a mail that reads as the site's.  Each value is made inert,
 * "https[:]//evil[.]example/pay": every "://", and every dot between a
 * letter or digit and a Latin letter (a domain's, not a number's 5.5).
 * Idempotent, as a message may be rendered again.
 */
static const struct {
	const char	*kind;
	const char	*name;
} inert_values[] = {
	{ "refund_request_admin", "reason" },
	{ "refund_request_admin", "recipient" },
	{ "refund_request_admin", "full_name" },
	{ "refund_request_admin", "login" },
};

static int
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
inert(const struct outgoing *o)
{
	struct buf	 b;
	cJSON		*item;
	const char	*s;
	size_t		 i, j;
	int		 rc = -1;

	buf_init(&b, MAIL_STORE_MAX * 4);
	for (i = 0; i < sizeof(inert_values) / sizeof(inert_values[0]); i++) {
		if (strcmp(inert_values[i].kind, o->kind) != 0)
			continue;
		item = cJSON_GetObjectItemCaseSensitive(o->data,
		    inert_values[i].name);
		if (!cJSON_IsString(item))
			continue;
		buf_reset(&b);
		s = item->valuestring;
		for (j = 0; s[j] != '\0'; j++) {
			if (strncmp(s + j, "://", 3) == 0) {
				buf_adds(&b, "[:]");
				continue;
			}
			if (s[j] == '.' && j > 0 && is_alnum(s[j - 1]) &&
			    ((s[j + 1] >= 'a' && s[j + 1] <= 'z') ||
			    (s[j + 1] >= 'A' && s[j + 1] <= 'Z'))) {
				buf_adds(&b, "[.]");
				continue;
			}
			buf_add(&b, s + j, 1);
		}
		if (b.failed || !cJSON_ReplaceItemInObjectCaseSensitive(
		    o->data, inert_values[i].name,
		    cJSON_CreateString(b.data != NULL ? b.data : "")))
			goto out;
	}
	rc = 0;
out:
	buf_free(&b);
	return rc;
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
 * mid.  Returns 0, or -1 with why saying what failed.
 */
static int
render(const struct config *cfg, const struct outgoing *o, struct buf *msg,
    char *mid, size_t midsz, const char **why)
{
	struct mail_vars	*vs;
	struct buf		 subject, text, html;
	struct mail_message	 m;
	char			 rnd[33], boundary[48];
	int			 rc = -1;

	*why = "its data is not an object";
	if (!cJSON_IsObject(o->data))
		return -1;
	*why = "out of memory";
	if (inert(o) == -1)
		return -1;
	if ((vs = malloc(sizeof(*vs))) == NULL)
		return -1;
	vars(vs, cfg, o);
	buf_init(&subject, MAIL_SUBJECT_MAX);
	buf_init(&text, MAIL_MAX);
	buf_init(&html, MAIL_MAX);
	if (mail_render(o->kind, vs, &subject, &text, &html, why) == -1)
		goto out;
	*why = "no random bytes";
	if (random_hex(rnd, 16) == -1)
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
		.attachment = o->file,
		.attachment_len = o->file_len,
		.attachment_name = o->file_name,
		.attachment_type = "application/pdf",
	};
	*why = "a header or a text was refused";
	if ((rc = mail_build(msg, &m)) == 0)
		*why = NULL;
out:
	/* The texts may hold a link's token. */
	if (text.data != NULL)
		OPENSSL_cleanse(text.data, text.len);
	if (html.data != NULL)
		OPENSSL_cleanse(html.data, html.len);
	buf_free(&subject);
	buf_free(&text);
	buf_free(&html);
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
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)SEND_MAX);
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

/* ---- documents ---- */

/*
 * Renders one document from its row and stores the PDF.  Returns 0, or
 * -1 (logged: by kind and order, never a value of the row).
 */
static int
render_document(const char *kind, const char *inv, const char *row,
    const char *seller)
{
	struct doc	*d;
	struct buf	 pdf;
	const char	*why = "out of memory", *p[4];
	char		*b64 = NULL;
	PGresult	*res = NULL;
	int		 rc = -1;

	buf_init(&pdf, DOC_PDF_MAX);
	if ((d = malloc(sizeof(*d))) == NULL)
		goto out;
	if (doc_parse(row, strlen(row), d, &why) == -1)
		goto out;
	why = "cairo failed";
	if (doc_pdf(d, &pdf) == -1)
		goto out;
	why = "out of memory";
	if ((b64 = malloc(B64_LEN(pdf.len))) == NULL ||
	    b64_encode(b64, B64_LEN(pdf.len), pdf.data, pdf.len) == (size_t)-1)
		goto out;
	p[0] = kind;
	p[1] = inv;
	p[2] = b64;
	p[3] = seller;
	why = "the database refused it";
	if ((res = db_exec("store", 4, p)) != NULL && db_ok(res))
		rc = 0;
out:
	if (rc == -1)
		log_msg("%s of order %s cannot be rendered: %s", kind, inv, why);
	else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		log_msg("%s of order %s rendered (%zu bytes)", kind, inv,
		    pdf.len);
	PQclear(res);
	free(b64);
	free(d);
	buf_free(&pdf);
	return rc;
}

/*
 * Renders the documents without a PDF, a batch at a time; those that
 * fail stay first in the order and are skipped for the rest of the round.
 * Returns -1 if the database failed, else 0.
 */
static int
render_documents(const char *seller)
{
	char		 batch[8], skip[12];
	const char	*p[3] = { seller, batch, skip };
	PGresult	*res;
	int		 i, n, failed = 0;

	snprintf(batch, sizeof(batch), "%d", RENDER_BATCH);
	do {
		snprintf(skip, sizeof(skip), "%d", failed);
		if ((res = db_exec("to_render", 3, p)) == NULL || !db_ok(res)) {
			PQclear(res);
			return -1;
		}
		n = PQntuples(res);
		for (i = 0; i < n && !command_stopping; i++)
			if (render_document(PQgetvalue(res, i, 0),
			    PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
			    seller) == -1)
				failed++;
		PQclear(res);
	} while (n == RENDER_BATCH && !command_stopping);
	return 0;
}

/* ---- a round ---- */

/* Records the attempt, with one log line.  Returns 0 or -1. */
static int
record(const struct outgoing *o, int ok, const char *detail)
{
	const char	*p[3] = { o->id, ok ? "true" : "false", detail };
	PGresult	*res;
	int		 rc = -1;

	res = db_exec("record", 3, p);
	if (res != NULL && db_ok(res) && PQntuples(res) == 1) {
		if (ok && o->again)
			log_msg("message %s (%s) sent again, the same message "
			    "(an earlier attempt had no recorded outcome)",
			    o->id, o->kind);
		else if (ok)
			log_msg("message %s (%s) sent", o->id, o->kind);
		else if (strcmp(PQgetvalue(res, 0, 0), "failed") == 0)
			log_msg("message %s (%s) attempt %s failed: %s; "
			    "given up", o->id, o->kind, o->attempts, detail);
		else
			log_msg("message %s (%s) attempt %s failed: %s; "
			    "next in %s s", o->id, o->kind, o->attempts,
			    detail, PQgetvalue(res, 0, 1));
		rc = 0;
	}
	PQclear(res);
	return rc;
}

/*
 * Records the attempt.  A message the server took is recorded, if the
 * database fails, again each second for RECORD_MAX seconds: until then
 * the lease keeps other mailers from sending it again.  Returns 0 or -1.
 */
static int
record_outcome(const struct outgoing *o, int ok, const char *detail)
{
	int	i;

	for (i = 0; record(o, ok, detail) == -1; i++) {
		if (!ok || i == RECORD_MAX) {
			log_msg("message %s (%s): cannot record the attempt; "
			    "it goes again when its lease runs out", o->id,
			    o->kind);
			return -1;
		}
		sleep(1);
	}
	return 0;
}

/*
 * Sends one due message.  Returns 1 if it was sent, 2 if an attempt
 * failed, 0 if none was due, -1 if the database failed.
 */
static int
deliver_one(const struct config *cfg)
{
	struct outgoing	 o;
	char		 detail[DETAIL_MAX];
	int		 got, ok = 0;

	if ((got = claim(cfg, &o)) != 1)
		return got;
	if (o.why != NULL)
		snprintf(detail, sizeof(detail), "not rendered: %s", o.why);
	else
		ok = smtp_send(cfg, o.to, &o.msg, detail, sizeof(detail)) == 0;
	/*
	 * The server's verdict first, nothing in between.  Not recorded:
	 * the lease runs out and the same message goes again.
	 */
	got = record_outcome(&o, ok, detail) == -1 ? -1 : ok ? 1 : 2;
	outgoing_free(&o);
	return got;
}

/*
 * Resolves the reset requests, queues the reminders, renders the new
 * documents and sends what is due.  Returns 0 if every message tried was sent, 1 otherwise (or if the
 * database failed).
 */
static int
round_once(const struct config *cfg, const char *seller, int *db_down)
{
	PGresult	*res;
	int		 i, got, rc = 0;

	res = db_exec("resets", 0, NULL);
	if (res != NULL && db_ok(res)) {
		PQclear(res);
		res = db_exec("reminders", 0, NULL);
	}
	if (res == NULL || !db_ok(res) || render_documents(seller) == -1) {
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
		"[-i seconds] [--once]", opts, 2, 0,
		CONF_SITE | CONF_MAIL | CONF_INVOICE };
	struct config			 cfg;
	char				*operand, *seller = NULL;
	int				 rc, db_down = 0;

	if ((rc = command_start(&cmd, argc, argv, &cfg, &operand)) != 0)
		return rc == COMMAND_DONE ? 0 : rc;
	rc = 1;
	if (config_mail(&cfg) == -1)
		goto out;
	/* What the acts print as the seller (config.h). */
	if ((seller = config_seller_json(&cfg)) == NULL) {
		log_msg("config: the documents need merchant_name, merchant_bin "
		    "and merchant_address");
		goto out;
	}
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
		rc = round_once(&cfg, seller, &db_down);
	else {
		log_msg("started; rounds at least every %ld s", poll_s);
		while (!command_stopping) {
			round_once(&cfg, seller, &db_down);
			if (!command_stopping)
				(void)db_wait((int)poll_s * 1000);
		}
		log_msg("stopped");
		rc = 0;
	}
	db_close();
	curl_global_cleanup();
	doc_shutdown();
out:
	free(seller);
	config_free(&cfg);
	return rc;
}
