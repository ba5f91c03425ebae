package workspace

import (
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/unicode/norm"
)

// Look-alike identities (security finding 8 of issue 12): "аda@acme.example"
// with a Cyrillic а was accepted beside ada@acme.example, and names could
// stack combining marks without end. Names and emails are NFKC-normalized
// (a fullwidth "ａｄａ" is "ada"), then checked as UTS #39 advises:
//   - one script per name and per part of an email (Common and Inherited
//     characters go with any; Han may go with Hiragana, Katakana, Hangul or
//     Bopomofo, and those with Latin, as UTS #39's "highly restrictive"
//     level allows for Chinese, Japanese and Korean);
//   - a non-ASCII part of an email whose confusable skeleton (the Unicode
//     confusables table) is plain ASCII imitates an ASCII address: refused;
//   - at most maxStackedMarks combining marks on one letter.

// maxStackedMarks is how many combining marks a letter may carry: enough
// for Vietnamese (a vowel mark and a tone mark).
const maxStackedMarks = 2

// nfkc is s in Unicode normalization form KC.
func nfkc(s string) string { return norm.NFKC.String(s) }

// scriptOf names r's script, "" for Common and Inherited characters (and
// any that no script table lists).
func scriptOf(r rune) string {
	if r < utf8.RuneSelf {
		if unicode.IsLetter(r) {
			return "Latin"
		}
		return ""
	}
	for _, name := range likelyScripts {
		if unicode.Is(unicode.Scripts[name], r) {
			return name
		}
	}
	for name, table := range unicode.Scripts {
		if name != "Common" && name != "Inherited" && unicode.Is(table, r) {
			return name
		}
	}
	return ""
}

// likelyScripts are tried first, before every script Go knows.
var likelyScripts = []string{"Common", "Inherited", "Latin", "Cyrillic", "Greek", "Han", "Hiragana", "Katakana", "Hangul", "Arabic", "Hebrew", "Devanagari", "Thai"}

// cjkWith are the scripts Han may be mixed with, and Latin with all of them.
var cjkWith = map[string]bool{"Han": true, "Hiragana": true, "Katakana": true, "Hangul": true, "Bopomofo": true}

// mixedScripts reports the first two scripts of s that may not be mixed,
// or "" when s is of one script (as UTS #39's highly restrictive level
// counts it).
func mixedScripts(s string) (string, string) {
	seen := map[string]bool{}
	for _, r := range s {
		if sc := scriptOf(r); sc != "" && sc != "Common" && sc != "Inherited" {
			seen[sc] = true
		}
	}
	var scripts []string
	for sc := range seen {
		scripts = append(scripts, sc)
	}
	if len(scripts) < 2 {
		return "", ""
	}
	cjk := true
	for _, sc := range scripts {
		if !cjkWith[sc] && sc != "Latin" {
			cjk = false
		}
	}
	// Japanese mixes Han, Hiragana and Katakana; Korean Han and Hangul;
	// any of them may carry Latin letters. Hangul and Kana together are no
	// language's.
	if cjk && !(seen["Hangul"] && (seen["Hiragana"] || seen["Katakana"])) && !(seen["Bopomofo"] && (seen["Hangul"] || seen["Hiragana"] || seen["Katakana"])) {
		return "", ""
	}
	a, b := scripts[0], scripts[1]
	if a > b {
		a, b = b, a
	}
	return a, b
}

// tooManyMarks reports whether a letter of s carries more than
// maxStackedMarks combining marks, counted decomposed (an é is e and an
// acute accent).
func tooManyMarks(s string) bool {
	run := 0
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.M, r) {
			if run++; run > maxStackedMarks {
				return true
			}
			continue
		}
		run = 0
	}
	return false
}

// imitatesASCII reports whether s, not ASCII itself, looks like an ASCII
// text: its confusable skeleton is plain ASCII.
func imitatesASCII(s string) bool {
	if isASCII(s) {
		return false
	}
	return isASCII(confusables.Skeleton(s))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
