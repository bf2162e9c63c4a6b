/*
 * vocab.h: the names the domain gives things, as the database stores
 * them and as people are told them.  The lists are those of the schema
 * (amobill.block_reasons, the users' status check); a unit test holds
 * them against each other.
 *
 * Layer rules (lib/rules): may use lib/base and lib/crypto; never I/O,
 * the configuration, the database or the web.
 */
#ifndef VOCAB_H
#define VOCAB_H

/* The customer's status; the numbers are stored in v->num. */
enum user_status { STATUS_INDIVIDUAL = 1, STATUS_LEGAL_ENTITY = 2 };

/*
 * Why a user was blocked (offer 8.2), as the user is told ("по
 * распоряжению государственного органа"...), for one of the reasons
 * admin.block_account takes; "" for any other text.
 */
const char	*block_reason_text(const char *reason);

/* "individual" or "legal_entity" for a status number. */
const char	*status_name(long long);

#endif
