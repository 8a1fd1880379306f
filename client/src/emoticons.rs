//! Text emoticons, as the classic clients typed them, shown as emoji (our
//! own rendering: no Microsoft artwork), and web links. Pure functions: the
//! view renders the pieces as text nodes and links, never as HTML.

/// One emoticon: what is typed, what is shown, and a name for screen readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Emoticon {
    /// The canonical code, offered by the picker.
    pub code: &'static str,
    /// Other spellings that mean the same.
    pub also: &'static [&'static str],
    pub glyph: &'static str,
    pub name: &'static str,
}

const fn e(code: &'static str, also: &'static [&'static str], glyph: &'static str, name: &'static str) -> Emoticon {
    Emoticon { code, also, glyph, name }
}

/// In the order the picker shows them.
pub const EMOTICONS: &[Emoticon] = &[
    e(":)", &[":-)"], "🙂", "Smile"),
    e(":D", &[":-D", ":d", ":-d", ":>", ":->"], "😃", "Open-mouthed smile"),
    e(";)", &[";-)"], "😉", "Wink"),
    e(":O", &[":-O", ":o", ":-o"], "😮", "Surprised"),
    e(":P", &[":-P", ":p", ":-p"], "😛", "Tongue out"),
    e("(H)", &["(h)"], "😎", "Hot"),
    e(":@", &[":-@"], "😠", "Angry"),
    e(":S", &[":-S", ":s", ":-s"], "😕", "Confused"),
    e(":$", &[":-$"], "😳", "Embarrassed"),
    e(":(", &[":-(", ":<", ":-<"], "🙁", "Sad"),
    e(":'(", &[], "😢", "Crying"),
    e(":|", &[":-|"], "😐", "Disappointed"),
    e("(A)", &["(a)"], "😇", "Angel"),
    e("8o|", &[], "😬", "Baring teeth"),
    e("8-|", &[], "🤓", "Nerd"),
    e("+o(", &[], "🤢", "Sick"),
    e("<:o)", &[], "🥳", "Party"),
    e("|-)", &[], "😴", "Sleepy"),
    e("*-)", &[], "🤔", "Thinking"),
    e(":-#", &[], "🤐", "Don't tell anyone"),
    e("8-)", &[], "🙄", "Eye-rolling"),
    e("(Y)", &["(y)"], "👍", "Thumbs up"),
    e("(N)", &["(n)"], "👎", "Thumbs down"),
    e("(L)", &["(l)"], "❤️", "Red heart"),
    e("(U)", &["(u)"], "💔", "Broken heart"),
    e("(K)", &["(k)"], "💋", "Red lips"),
    e("(F)", &["(f)"], "🌹", "Red rose"),
    e("(W)", &["(w)"], "🥀", "Wilted rose"),
    e("(G)", &["(g)"], "🎁", "Gift with a bow"),
    e("(^)", &[], "🎂", "Birthday cake"),
    e("(P)", &["(p)"], "📷", "Camera"),
    e("(~)", &[], "🎞️", "Film strip"),
    e("(@)", &[], "🐱", "Cat face"),
    e("(&)", &[], "🐶", "Dog face"),
    e("(T)", &["(t)"], "📞", "Telephone receiver"),
    e("(I)", &["(i)"], "💡", "Light bulb"),
    e("(C)", &["(c)"], "☕", "Coffee cup"),
    e("(D)", &["(d)"], "🍸", "Martini glass"),
    e("(B)", &["(b)"], "🍺", "Beer mug"),
    e("(Z)", &["(z)"], "👦", "Boy"),
    e("(X)", &["(x)"], "👧", "Girl"),
    e("(S)", &[], "🌙", "Sleeping half-moon"),
    e("(*)", &[], "⭐", "Star"),
    e("(8)", &[], "🎵", "Note"),
    e("(E)", &["(e)"], "✉️", "E-mail"),
    e("(O)", &["(o)"], "🕒", "Clock"),
    e("(sn)", &[], "🐌", "Snail"),
    e("(pi)", &[], "🍕", "Pizza"),
    e("(so)", &[], "⚽", "Soccer ball"),
    e("(au)", &[], "🚗", "Auto"),
    e("(ap)", &[], "✈️", "Airplane"),
    e("(um)", &[], "☂️", "Umbrella"),
    e("(ip)", &[], "🏝️", "Island with a palm tree"),
    e("(co)", &[], "💻", "Computer"),
    e("(mp)", &[], "📱", "Mobile phone"),
    e("(st)", &[], "⛈️", "Stormy cloud"),
    e("(li)", &[], "⚡", "Lightning"),
    e("(mo)", &[], "💰", "Money"),
    e("(R)", &["(r)"], "🌈", "Rainbow"),
    e("(#)", &[], "☀️", "Sun"),
];

impl Emoticon {
    /// The code and its other spellings.
    pub fn spellings(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.code).chain(self.also.iter().copied())
    }
}

/// Every code's first character (a test keeps this true).
const CODE_STARTS: &[u8] = b"(*+8:;<|";

/// A run of plain text, an emoticon as typed, a web link as typed, or one
/// of the sender's custom emoticons (`index` into the shortcuts given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Emoticon { typed: &'a str, emoticon: &'static Emoticon },
    Link { typed: &'a str },
    Custom { typed: &'a str, index: usize },
}

impl Piece<'_> {
    /// Exactly what was typed.
    pub fn typed(&self) -> &str {
        match self {
            Piece::Text(t)
            | Piece::Emoticon { typed: t, .. }
            | Piece::Link { typed: t }
            | Piece::Custom { typed: t, .. } => t,
        }
    }
}

/// Where a link typed as `typed` goes: only http(s), so nothing from the
/// network can make a `javascript:` or `data:` link.
pub fn link_target(typed: &str) -> String {
    let www = typed.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("www."));
    if www { format!("http://{typed}") } else { typed.to_owned() }
}

/// The length of a web link starting at `text[i..]`, if one does: `http://`,
/// `https://` or `www.` at the start of a word, up to the next space, less
/// the punctuation that ends a sentence.
fn link_at(text: &str, i: usize) -> Option<usize> {
    let s = &text[i..];
    let lower = |p: &str| s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    let prefix = ["https://", "http://", "www."].into_iter().find(|p| lower(p))?;
    if word_char(text[..i].chars().next_back()) {
        return None;
    }
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    let mut link = &s[..end];
    // A closing bracket stays when the link opened it: `(c)` in a path.
    while let Some(c) = link.chars().next_back() {
        let unmatched = c == ')' && link.matches('(').count() < link.matches(')').count();
        if !(unmatched || matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"')) {
            break;
        }
        link = &link[..link.len() - c.len_utf8()];
    }
    (link.len() > prefix.len()).then_some(link.len())
}

fn word_char(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

/// The emoticon whose code (or other spelling) `text[i..]` starts with; the
/// longest wins, so `:-)` is one smile, not `:-` and a stray `)`. A code that
/// begins or ends with a letter or digit must not run into a word, so
/// "Note:something" stays text while "ok :s" is confused.
fn at(text: &str, i: usize) -> Option<(&'static Emoticon, usize)> {
    let s = &text[i..];
    // Messages are parsed on every render: most characters start no code.
    if !s.as_bytes().first().is_some_and(|b| CODE_STARTS.contains(b)) {
        return None;
    }
    let before = text[..i].chars().next_back();
    EMOTICONS
        .iter()
        .flat_map(|e| e.spellings().map(move |c| (e, c)))
        .filter(|(_, c)| s.starts_with(c))
        .filter(|(_, c)| !(word_char(c.chars().next()) && word_char(before)))
        .filter(|(_, c)| !(word_char(c.chars().next_back()) && word_char(s[c.len()..].chars().next())))
        .max_by_key(|(_, c)| c.len())
        .map(|(e, c)| (e, c.len()))
}

/// Split a message into text and emoticons.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    pieces_with(text, &[])
}

/// Split a message into text, the sender's custom emoticons (`custom`:
/// their shortcuts, which win over everything else, the longest first, as
/// the sender's client drew them), links and emoticons.
pub fn pieces_with<'a>(text: &'a str, custom: &[&str]) -> Vec<Piece<'a>> {
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < text.len() {
        let mine = custom
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_empty() && text[i..].starts_with(**c))
            .max_by_key(|(_, c)| c.len());
        let found = match (mine, link_at(text, i)) {
            (Some((index, c)), _) => Some((Piece::Custom { typed: &text[i..i + c.len()], index }, c.len())),
            (None, Some(len)) => Some((Piece::Link { typed: &text[i..i + len] }, len)),
            (None, None) => {
                at(text, i).map(|(emoticon, len)| (Piece::Emoticon { typed: &text[i..i + len], emoticon }, len))
            }
        };
        if let Some((piece, len)) = found {
            if start < i {
                out.push(Piece::Text(&text[start..i]));
            }
            out.push(piece);
            i += len;
            start = i;
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    if start < text.len() {
        out.push(Piece::Text(&text[start..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn shown(text: &str) -> String {
        shown_with(text, &[])
    }

    fn shown_with(text: &str, custom: &[&str]) -> String {
        pieces_with(text, custom)
            .into_iter()
            .map(|p| match p {
                Piece::Text(t) => t.to_owned(),
                Piece::Emoticon { emoticon, .. } => format!("[{}]", emoticon.name),
                Piece::Link { typed } => format!("<{}>", link_target(typed)),
                Piece::Custom { index, .. } => format!("{{{index}}}"),
            })
            .collect()
    }

    #[test]
    fn custom_shortcuts_win_the_longest_first_and_anywhere() {
        let custom = ["(cat)", "(cat2)", "lol", ""];
        assert_eq!(shown_with("a (cat) and a (cat2) :)", &custom), "a {0} and a {1} [Smile]");
        // Inside words too, as the sender's client drew them; a link that starts first stays whole.
        assert_eq!(shown_with("trolololol www.lol.com", &custom), "tro{2}o{2} <http://www.lol.com>");
        assert_eq!(shown_with("(c) stays a coffee cup", &custom), "[Coffee cup] stays a coffee cup");
        assert_eq!(shown_with("nothing here", &[]), "nothing here");
    }

    #[test]
    fn links_are_found_whole_and_hold_no_emoticons() {
        assert_eq!(shown("see https://x.com/a:p, ok :p"), "see <https://x.com/a:p>, ok [Tongue out]");
        assert_eq!(shown("(www.example.com/(c))."), "(<http://www.example.com/(c)>).");
        assert_eq!(shown("HTTP://X.COM WWW.X.COM"), "<HTTP://X.COM> <http://WWW.X.COM>");
        assert_eq!(shown("nothttp://x.com and http:// alone"), "nothttp://x.com and http:// alone");
        assert_eq!(shown("javascript:alert(1)"), "javascript:alert(1)");
    }

    #[test]
    fn codes_become_emoticons_and_the_rest_stays_text() {
        assert_eq!(shown("hi :) how are you :-("), "hi [Smile] how are you [Sad]");
        assert_eq!(shown("(Y)(y) <:o) :'("), "[Thumbs up][Thumbs up] [Party] [Crying]");
        assert_eq!(shown("café (c) ünïcode 🙂"), "café [Coffee cup] ünïcode 🙂");
        assert_eq!(shown("no codes here"), "no codes here");
        assert_eq!(shown(""), "");
    }

    #[test]
    fn codes_ending_in_a_letter_do_not_eat_into_words() {
        assert_eq!(shown("Note:something x8o|"), "Note:something x8o|");
        assert_eq!(shown("ok :s, :P!"), "ok [Confused], [Tongue out]!");
        assert_eq!(shown("a8-|"), "a8-|");
    }

    #[test]
    fn the_longest_code_wins() {
        // `:-#` is not `:-` + `#`; `8o|` is not `8` + `o|`; `(sn)` is not `(s` + `n)`.
        assert_eq!(shown(":-# 8o| (sn)"), "[Don't tell anyone] [Baring teeth] [Snail]");
    }

    #[test]
    fn what_was_typed_is_kept() {
        let p = pieces("a :-)");
        assert_eq!(p[1], Piece::Emoticon { typed: ":-)", emoticon: &EMOTICONS[0] });
    }

    #[test]
    fn nothing_typed_is_lost_or_split_inside_a_character() {
        // Strings drawn from the characters codes are made of, letters and
        // multi-byte characters: the pieces always give back the input.
        let alphabet: Vec<char> = ":;-()<>|*+#^~@&'$8oOpPsSdDyYlL aé🙂./hwtp".chars().collect();
        let mut seed = 0x2545_f491_u64;
        for _ in 0..2_000 {
            let len = (seed % 24) as usize;
            let text: String = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    alphabet[(seed >> 33) as usize % alphabet.len()]
                })
                .collect();
            let back: String = pieces(&text).iter().map(Piece::typed).collect();
            assert_eq!(back, text);
            seed = seed.wrapping_add(len as u64 + 1);
        }
    }

    #[test]
    fn every_code_starts_with_a_character_the_scan_looks_for() {
        for code in EMOTICONS.iter().flat_map(Emoticon::spellings) {
            assert!(CODE_STARTS.contains(&code.as_bytes()[0]), "{code}");
        }
    }

    #[test]
    fn every_code_is_unique() {
        let mut all: Vec<&str> = EMOTICONS.iter().flat_map(Emoticon::spellings).collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
    }
}
