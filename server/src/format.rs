//! Numbers as people read them. A leaf: it uses only `std`, so the browser build includes this
//! same file (`app/src/format.rs` points at it) and both sides write numbers one way.

/// 1234567 → "1,234,567"; -1500 → "-1,500".
pub fn group(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 order", "2,500 orders": a count with its noun (`one` or `many`), thousands grouped.
pub fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", group(n))
    }
}

/// 15000, "usd" → "$150.00"; other currencies as "150.00 EUR".
pub fn money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let major = format!("{}.{:02}", group((abs / 100) as i64), abs % 100);
    match currency {
        "usd" => format!("{sign}${major}"),
        "eur" => format!("{sign}€{major}"),
        "gbp" => format!("{sign}£{major}"),
        other => format!("{sign}{major} {}", other.to_ascii_uppercase()),
    }
}

/// A measured value without trailing zeros, to three decimals: 2.500 → "2.5", 100.0 → "100".
pub fn decimal(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A file's size in decimal units, one decimal from kB up: 950 → "950 B", 12_345_678 →
/// "12.3 MB". Integers only (the browser build stays free of float formatting).
pub fn bytes(n: i64) -> String {
    let n = n.max(0) as u128;
    let units = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut scale = 1000u128;
    let mut unit = 0;
    loop {
        let tenths = (n * 10 + scale / 2) / scale;
        if tenths < 10_000 || unit + 1 == units.len() {
            return format!(
                "{}.{} {}",
                group((tenths / 10) as i64),
                tenths % 10,
                units[unit]
            );
        }
        scale *= 1000;
        unit += 1;
    }
}

/// A duration in milliseconds as people read it, integers only: 850 → "850 ms", 1_250 →
/// "1.3 s", 90_000 → "1.5 min", 5_400_000 → "1.5 h".
pub fn millis(ms: i64) -> String {
    let ms = ms.max(0);
    let tenths = |n: i64, unit: i64| {
        let t = (n * 10 + unit / 2) / unit;
        format!("{}.{}", t / 10, t % 10)
    };
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{} s", tenths(ms, 1_000))
    } else if ms < 3_600_000 {
        format!("{} min", tenths(ms, 60_000))
    } else {
        format!("{} h", tenths(ms, 3_600_000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_the_largest_whole_unit() {
        assert_eq!(millis(-5), "0 ms");
        assert_eq!(millis(999), "999 ms");
        assert_eq!(millis(1_250), "1.3 s");
        assert_eq!(millis(59_949), "59.9 s");
        assert_eq!(millis(90_000), "1.5 min");
        assert_eq!(millis(5_400_000), "1.5 h");
    }

    #[test]
    fn sizes_in_decimal_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1000), "1.0 kB");
        assert_eq!(bytes(12_345_678), "12.3 MB");
        assert_eq!(bytes(999_960), "1.0 MB");
        assert_eq!(bytes(5_000_000_000_000_000), "5,000.0 TB");
        assert_eq!(bytes(4_200_000_000), "4.2 GB");
        assert_eq!(bytes(-5), "0 B");
        assert!(bytes(i64::MAX).ends_with(" TB"));
    }

    #[test]
    fn groups_thousands_both_signs() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000), "1,000");
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(group(-1_500), "-1,500");
        assert_eq!(group(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn counts_with_their_noun() {
        assert_eq!(count(1, "order", "orders"), "1 order");
        assert_eq!(count(0, "order", "orders"), "0 orders");
        assert_eq!(count(2_500, "new order", "new orders"), "2,500 new orders");
    }

    #[test]
    fn money_in_minor_units() {
        assert_eq!(money(15_000, "usd"), "$150.00");
        assert_eq!(money(90_000_005, "eur"), "€900,000.05");
        assert_eq!(money(-250, "gbp"), "-£2.50");
        assert_eq!(money(199, "ron"), "1.99 RON");
    }

    #[test]
    fn decimals_lose_trailing_zeros() {
        assert_eq!(decimal(2.5), "2.5");
        assert_eq!(decimal(100.0), "100");
        assert_eq!(decimal(0.0004), "0");
        assert_eq!(decimal(1.23456), "1.235");
    }
}
