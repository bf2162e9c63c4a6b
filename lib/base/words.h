/*
 * words.h: an amount of tenge in Russian words, as an invoice or an act
 * writes its total (contract §7): "Шестьдесят тысяч тенге 00 тиын".
 *
 * Thousands are feminine ("одна тысяча", "две тысячи"), millions and
 * milliards masculine, and so is the tenge ("один тенге"); 11-14 take the
 * genitive plural ("одиннадцать тысяч"); tenge and tiyn never decline;
 * the tiyn are written in figures, always two.  The first letter is a
 * capital.
 *
 * Layer rules (lib/base): the C library only; never another layer.
 */
#ifndef WORDS_H
#define WORDS_H

/*
 * Room for any amount money_parse() accepts (under 10^12 tenge): four
 * groups of at most four words of at most 24 bytes each, the scale
 * words, the currency.
 */
#define MONEY_WORDS	512

/*
 * The amount of tiyn (0 .. 10^14 - 1) in words into out.  Returns 0, or
 * -1 (out "") for an amount outside that range.
 */
int	money_words(long long tiyn, char out[MONEY_WORDS]);

#endif
