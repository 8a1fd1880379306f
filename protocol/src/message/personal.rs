//! The personal-message document of `UUX` (mine) and `UBX` (a contact's):
//! a flat XML `<Data>` with `<PSM>` and `<CurrentMedia>`.

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// The `UUX` payload for a personal message.
pub fn psm_xml(psm: &str) -> String {
    format!("<Data><PSM>{}</PSM><CurrentMedia></CurrentMedia></Data>", xml_escape(psm))
}

/// Text of the first `<tag>...</tag>`, unescaped. Enough for the flat `UBX`
/// document; `<tag/>` reads as empty.
pub fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml_unescape(&xml[start..end]))
}

/// `CurrentMedia` is `app\0type\0enabled\0format\0arg1\0...`; render the
/// `{0} - {1}` format with its arguments, or nothing when disabled.
pub fn media_text(m: &str) -> String {
    let parts: Vec<&str> = m.split("\\0").collect();
    if parts.len() < 5 || parts[2] != "1" {
        return String::new();
    }
    let mut s = parts[3].to_owned();
    for (i, arg) in parts[4..].iter().enumerate() {
        s = s.replace(&format!("{{{i}}}"), arg);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psm_round_trip_escapes() {
        let x = psm_xml("a <b> & c");
        assert_eq!(xml_text(&x, "PSM").unwrap(), "a <b> & c");
    }

    #[test]
    fn media_format() {
        assert_eq!(media_text("\\0Music\\01\\0{0} - {1}\\0Title\\0Artist\\0\\0"), "Title - Artist");
        assert_eq!(media_text("\\0Music\\00\\0{0}\\0x"), "");
    }
}
