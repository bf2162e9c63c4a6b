/*
 * plural.h: the Russian plural rule, and a plan's term in words ("на 6
 * месяцев") as the checkout writes it (nginx/www/static/site.js has the
 * same rule in JavaScript for the landing page).
 *
 * Layer rules (lib/base): the C library only; never another layer.
 */
#ifndef PLURAL_H
#define PLURAL_H

#define TERM_TEXT	64	/* room for any term's text, with the NUL */

/*
 * The form of a noun after the number n, by the Russian rule: one for
 * 1, 21, 31... (not 11), few for 2-4, 22-24... (not 12-14), many for
 * the rest ("месяц", "месяца", "месяцев").
 */
const char *ru_plural(long long n, const char *one, const char *few,
	    const char *many);

/* "на 6 месяцев", "на 1 месяц", "на 3 месяца". */
void	term_words(long long months, char out[TERM_TEXT]);

#endif
