/*
 * words.c: amounts in Russian words; see words.h.
 */
#include <stdio.h>
#include <string.h>

#include "plural.h"
#include "words.h"

static const char *const ones[2][10] = {
	{ "", "один", "два", "три", "четыре", "пять", "шесть", "семь",
	  "восемь", "девять" },
	{ "", "одна", "две", "три", "четыре", "пять", "шесть", "семь",
	  "восемь", "девять" },
};
static const char *const teens[10] = {
	"десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать",
	"пятнадцать", "шестнадцать", "семнадцать", "восемнадцать",
	"девятнадцать",
};
static const char *const tens[10] = {
	"", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят",
	"семьдесят", "восемьдесят", "девяносто",
};
static const char *const hundreds[10] = {
	"", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот",
	"семьсот", "восемьсот", "девятьсот",
};

/* The groups of three digits, from the highest: their scale and gender. */
static const struct {
	long long	 unit;
	int		 feminine;
	const char	*one, *few, *many;
} scales[] = {
	{ 1000000000LL, 0, "миллиард", "миллиарда", "миллиардов" },
	{ 1000000LL, 0, "миллион", "миллиона", "миллионов" },
	{ 1000LL, 1, "тысяча", "тысячи", "тысяч" },
	{ 1LL, 0, NULL, NULL, NULL },
};

static void
add(char *out, size_t *len, const char *word)
{
	int	n;

	if (*word == '\0')
		return;
	n = snprintf(out + *len, MONEY_WORDS - *len, "%s%s",
	    *len > 0 ? " " : "", word);
	if (n > 0 && (size_t)n < MONEY_WORDS - *len)
		*len += (size_t)n;
}

/* A group of 0..999 in words. */
static void
group(char *out, size_t *len, int g, int feminine)
{
	add(out, len, hundreds[g / 100]);
	if (g % 100 >= 10 && g % 100 < 20)
		add(out, len, teens[g % 10]);
	else {
		add(out, len, tens[g % 100 / 10]);
		add(out, len, ones[feminine][g % 10]);
	}
}

/* The first letter, a lower-case Cyrillic one in UTF-8, as a capital. */
static void
capitalise(char *s)
{
	unsigned char	*u = (unsigned char *)s;

	if (u[0] == 0xd0 && u[1] >= 0xb0 && u[1] <= 0xbf)	/* а..п */
		u[1] -= 0x20;
	else if (u[0] == 0xd1 && u[1] >= 0x80 && u[1] <= 0x8f) {	/* р..я */
		u[0] = 0xd0;
		u[1] += 0x20;
	}
}

int
money_words(long long tiyn, char out[MONEY_WORDS])
{
	long long	tenge, g;
	size_t		len = 0, i;

	out[0] = '\0';
	if (tiyn < 0 || tiyn >= 100000000000000LL)
		return -1;
	tenge = tiyn / 100;
	if (tenge == 0)
		add(out, &len, "ноль");
	for (i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		g = tenge / scales[i].unit % 1000;
		if (g == 0)
			continue;
		group(out, &len, (int)g, scales[i].feminine);
		if (scales[i].one != NULL)
			add(out, &len, ru_plural(g, scales[i].one,
			    scales[i].few, scales[i].many));
	}
	snprintf(out + len, MONEY_WORDS - len, " тенге %02lld тиын",
	    tiyn % 100);
	capitalise(out);
	return 0;
}
