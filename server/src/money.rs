//! Money in integer minor units of its currency (ISO 4217), read from and written back to
//! the decimals platforms and people use, exactly: no floating point on the way in or out.
//! Every area that handles amounts (orders, campaigns, billing's packs) reads them here.

/// Digits after the decimal point of a currency (ISO 4217); 2 unless listed.
pub fn minor_digits(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// A decimal amount as the platform writes it ("199.90", "1200", "-5.5") in minor units of
/// `currency`, exactly (no floating point). None for anything else, or more decimals than the
/// currency has.
pub fn parse_minor(amount: &str, currency: &str) -> Option<i64> {
    let digits = minor_digits(currency);
    let s = amount.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Trailing zeros beyond the currency's digits are harmless ("10.500" RON).
    let frac = frac.trim_end_matches('0');
    if frac.len() > digits as usize {
        return None;
    }
    let mut value: i64 = whole.parse().ok()?;
    value = value.checked_mul(10i64.pow(digits))?;
    if !frac.is_empty() {
        let f: i64 = frac.parse().ok()?;
        value = value.checked_add(f * 10i64.pow(digits - frac.len() as u32))?;
    }
    Some(if neg { -value } else { value })
}

/// Minor units written back as a decimal with the currency ("1 234.50 RON").
pub fn format_money(minor: i64, currency: &str) -> String {
    let digits = minor_digits(currency);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let scale = 10u64.pow(digits);
    let whole = crate::format::group((abs / scale) as i64);
    if digits == 0 {
        format!("{sign}{whole} {currency}")
    } else {
        format!(
            "{sign}{whole}.{:0width$} {currency}",
            abs % scale,
            width = digits as usize
        )
    }
}

/// Minor units as a plain decimal, as a form field takes it ("1234.50"; "1500" for JPY).
pub fn format_decimal(minor: i64, currency: &str) -> String {
    let digits = minor_digits(currency);
    let sign = if minor < 0 { "-" } else { "" };
    let (abs, scale) = (minor.unsigned_abs(), 10u64.pow(digits));
    if digits == 0 {
        format!("{sign}{abs}")
    } else {
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = digits as usize
        )
    }
}

/// Like [`parse_minor`], but an amount with more decimals than the currency has (an ad
/// platform's "12.345678" of spend) is rounded half away from zero instead of refused.
pub fn parse_minor_rounded(amount: &str, currency: &str) -> Option<i64> {
    let digits = minor_digits(currency) as usize;
    let s = amount.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() <= digits {
        return parse_minor(s, currency);
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (kept, rest) = frac.split_at(digits);
    let truncated = parse_minor(&format!("{whole}.{kept}0"), currency)?;
    if rest.as_bytes()[0] >= b'5' {
        let away = if whole.starts_with('-') { -1 } else { 1 };
        truncated.checked_add(away)
    } else {
        Some(truncated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_read_exactly_in_minor_units() {
        assert_eq!(parse_minor("199.90", "RON"), Some(19_990));
        assert_eq!(parse_minor("199.9", "RON"), Some(19_990));
        assert_eq!(parse_minor("1200", "RON"), Some(120_000));
        assert_eq!(parse_minor("0.10", "EUR"), Some(10));
        assert_eq!(parse_minor("-5.50", "RON"), Some(-550));
        assert_eq!(parse_minor("10.500", "RON"), Some(1_050));
        assert_eq!(parse_minor("1500", "JPY"), Some(1_500));
        assert_eq!(parse_minor("1.234", "KWD"), Some(1_234));
        for bad in ["", "1.999", "abc", "1,50", "1.2.3", "+5", ".5", "1e3"] {
            assert_eq!(parse_minor(bad, "RON"), None, "{bad}");
        }
        assert_eq!(parse_minor("99999999999999999999", "RON"), None);
        assert_eq!(format_money(123_450, "RON"), "1,234.50 RON");
        assert_eq!(format_money(-5, "EUR"), "-0.05 EUR");
        assert_eq!(format_money(1_500, "JPY"), "1,500 JPY");
        assert_eq!(format_decimal(123_450, "RON"), "1234.50");
        assert_eq!(format_decimal(1_500, "JPY"), "1500");
        assert_eq!(
            parse_minor(&format_decimal(20_989, "RON"), "RON"),
            Some(20_989)
        );
    }

    #[test]
    fn platform_amounts_with_more_decimals_are_rounded() {
        assert_eq!(parse_minor_rounded("12.345", "RON"), Some(1_235));
        assert_eq!(parse_minor_rounded("12.344999", "RON"), Some(1_234));
        assert_eq!(parse_minor_rounded("-0.005", "EUR"), Some(-1));
        assert_eq!(parse_minor_rounded("7.5", "JPY"), Some(8));
        assert_eq!(parse_minor_rounded("12.34", "RON"), Some(1_234));
        assert_eq!(parse_minor_rounded("0", "RON"), Some(0));
        for bad in ["", "1.2x5", "abc", "1,505", ".555"] {
            assert_eq!(parse_minor_rounded(bad, "RON"), None, "{bad}");
        }
    }
}
