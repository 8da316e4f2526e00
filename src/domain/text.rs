//! Diacritics folding for search: "Cẩm Xuyên", "CẨM XUYÊN" and "cam xuyen" fold alike.

/// Lower-case ASCII form of Vietnamese text: diacritics removed, "đ"/"Đ" → "d", runs of
/// white space collapsed. Uses `deunicode` for the transliteration.
pub fn fold(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_lowercase();
    ascii.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A `LIKE` pattern matching `needle` anywhere, with `%`, `_` and `\` escaped (use with
/// `ESCAPE '\'`).
pub fn contains_pattern(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Cẩm Xuyên"), "cam xuyen");
        assert_eq!(fold("CẨM  XUYÊN"), "cam xuyen");
        assert_eq!(fold("Đồng Tháp"), "dong thap");
        assert_eq!(fold("đắk lắk"), "dak lak");
        assert_eq!(fold("Kỳ Lạc"), "ky lac");
        assert_eq!(fold("Thừa Thiên Huế"), "thua thien hue");
    }

    #[test]
    fn escapes_like_wildcards() {
        assert_eq!(contains_pattern("a%b_c"), "%a\\%b\\_c%");
    }
}
