//! Long text split into messages a switchboard carries. Real servers close
//! a switchboard that receives an `MSG` payload over their cap (the revival
//! server people use: 1,664 bytes, headers included), so the classic
//! clients sent long text as several messages. Each part here is as long
//! as fits with its headers; cuts fall on character boundaries always, and
//! where the budget allows after a space and never inside what draws as one
//! character (a letter and its combining marks, an emoji sequence).

use super::{MessageBody, TextFormat};

/// The largest `MSG` payload every server we know accepts: the revival
/// server's cap (ours enforces it too, `devserver --sb-max-message`).
pub const SAFE_PAYLOAD: usize = 1664;

/// Bytes kept for a message id header value.
pub const ID_ROOM: usize = 32;

/// A cut is moved back to a space when one is this close to the end of
/// the part (in bytes), so that words stay whole where they can.
const WORD_SLACK: usize = 120;

/// `text` as the texts of consecutive messages whose payloads (with the
/// headers `format` gives them) are at most `max_payload` bytes. One part
/// when it fits; none for empty text. Joined, the parts are `text`.
pub fn text_parts<'a>(text: &'a str, format: &TextFormat, max_payload: usize) -> Vec<&'a str> {
    // Room for a message id (ours are shorter) beside the format.
    let with_id =
        MessageBody::Text { text: String::new(), format: Some(format.clone()), id: Some("0".repeat(ID_ROOM)) };
    let headers = with_id.to_bytes().len();
    // At least one four-byte character always fits, whatever the headers.
    let budget = max_payload.saturating_sub(headers).max(4);
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let cut = if rest.len() <= budget { rest.len() } else { cut_at(rest, budget) };
        parts.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    parts
}

/// Where to end a part of `s` at most `budget` bytes long (`s` is longer).
fn cut_at(s: &str, budget: usize) -> usize {
    let mut end = budget;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    // Not before a character that belongs with the one before it.
    let mut cut = end;
    while cut > 0 && s[cut..].chars().next().is_some_and(joins_previous) {
        cut = s[..cut].char_indices().next_back().map_or(0, |(i, _)| i);
    }
    // Not between the two regional indicators of a flag: an odd run of
    // them before the cut means it falls inside a pair.
    let is_ri = |c: char| matches!(c as u32, 0x1F1E6..=0x1F1FF);
    if s[cut..].chars().next().is_some_and(is_ri) && s[..cut].chars().rev().take_while(|c| is_ri(*c)).count() % 2 == 1 {
        cut -= 4;
    }
    if cut == 0 {
        cut = end; // one cluster longer than the budget: cut it anyway
    }
    // After a space, if there is one near the end.
    match s[..cut].rfind([' ', '\n']) {
        Some(sp) if cut - (sp + 1) <= WORD_SLACK && sp > 0 => sp + 1,
        _ => cut,
    }
}

/// Characters drawn together with the one before: combining marks, joiners,
/// variation selectors, emoji skin tones and tags, a `\n` after `\r`.
/// (Flags, pairs of regional indicators, are kept whole by [`cut_at`].)
fn joins_previous(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x0610..=0x061A | 0x064B..=0x065F
        | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E | 0x093A..=0x094F
        | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x200C | 0x200D | 0x20D0..=0x20FF
        | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F | 0x1F3FB..=0x1F3FF
        | 0xE0020..=0xE007F | 0xE0100..=0xE01EF)
        || c == '\n'
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn payload(part: &str, f: &TextFormat) -> usize {
        MessageBody::text(part, f.clone()).to_bytes().len()
    }

    #[test]
    fn short_text_is_one_part_and_empty_text_none() {
        let f = TextFormat::default();
        assert_eq!(text_parts("hello", &f, SAFE_PAYLOAD), vec!["hello"]);
        assert!(text_parts("", &f, SAFE_PAYLOAD).is_empty());
    }

    #[test]
    fn long_text_is_cut_after_a_space_and_every_part_fits() {
        let f = TextFormat::default();
        let text = "word ".repeat(2000);
        let parts = text_parts(&text, &f, SAFE_PAYLOAD);
        assert!(parts.len() > 5);
        assert_eq!(parts.concat(), text);
        for p in &parts {
            assert!(payload(p, &f) <= SAFE_PAYLOAD);
            assert!(p.ends_with(' '), "cut inside a word: {:?}", &p[p.len() - 10..]);
        }
    }

    #[test]
    fn a_letter_keeps_its_marks_and_an_emoji_its_sequence() {
        let f = TextFormat::default();
        // e + combining acute, and a family emoji joined with ZWJs, no spaces.
        for unit in ["e\u{301}", "👨\u{200D}👩\u{200D}👧", "🇫🇷", "👍🏽"] {
            let text = unit.repeat(3000);
            for p in text_parts(&text, &f, SAFE_PAYLOAD) {
                assert!(p.starts_with(unit.chars().next().unwrap()), "a part starts inside {unit:?}");
                assert!(payload(p, &f) <= SAFE_PAYLOAD);
            }
        }
    }

    proptest! {
        #[test]
        fn parts_join_to_the_text_and_each_fits(text in "\\PC{0,3000}", cap in 200usize..2000) {
            let f = TextFormat::default();
            let parts = text_parts(&text, &f, cap);
            prop_assert_eq!(parts.concat(), text.clone());
            let headers = payload("", &f);
            for p in &parts {
                prop_assert!(!p.is_empty());
                prop_assert!(payload(p, &f) <= cap.max(headers + 4));
            }
        }
    }
}
