//! Field checks shared by every context. Each failure is `BAD_USER_INPUT` on its field.

use crate::AppError;
use crate::Reason;

/// A tenant slug: 2–63 of `a-z 0-9 -`, starting with a letter (it is also an `X-Tenant` value).
pub fn slug(field: &str, value: &str) -> Result<String, AppError> {
    let ok = (2..=63).contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(AppError::bad_input(field, "slug must be 2-63 lower-case letters, digits or '-', starting with a letter"))
    }
}

/// Characters that render as nothing: a name made only of them looks empty.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}' | '\u{00AD}')
}

/// Bidirectional overrides, embeddings, isolates and marks: they reorder how the text around them
/// displays (a name ending in U+202E "gpj.exe" shows as "exe.jpg"). Right-to-left scripts need
/// none of them; the Unicode bidi algorithm orders them by itself.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Control characters a stored text may hold: in long text, line breaks and tabs.
fn allowed_control(c: char, multi_line: bool) -> bool {
    multi_line && matches!(c, '\n' | '\t' | '\r')
}

/// `BAD_USER_INPUT` (`CONTROL_CHARACTER`) when `value` holds a control character (NUL included)
/// other than, in long text, a line break or tab. PostgreSQL cannot store NUL at all.
pub fn no_control(field: &str, value: &str, multi_line: bool) -> Result<(), AppError> {
    match value.chars().find(|c| c.is_control() && !allowed_control(*c, multi_line)) {
        Some(c) => {
            Err(AppError::bad_input(field, format!("must not contain the control character U+{:04X}", c as u32))
                .with_reason(Reason::ControlCharacter))
        }
        None => Ok(()),
    }
}

/// Trimmed of whitespace and invisible characters at both ends.
fn trimmed(value: &str) -> &str {
    value.trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
}

fn check_length(field: &str, value: &str, max: usize) -> Result<(), AppError> {
    if value.is_empty() || !value.chars().any(|c| !c.is_whitespace() && !is_invisible(c)) {
        return Err(AppError::bad_input(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(AppError::bad_input(field, format!("must be at most {max} characters")));
    }
    Ok(())
}

/// A one-line name or title (a person's, a tenant's, a preset's, an order's topic): trimmed,
/// not empty once whitespace and invisible characters are gone, at most `max` characters, with
/// no control characters and no bidirectional controls.
pub fn name(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let value = trimmed(value);
    no_control(field, value, false)?;
    if value.chars().any(is_bidi_control) {
        return Err(AppError::bad_input(field, "must not contain bidirectional control characters")
            .with_reason(Reason::BidiControl));
    }
    check_length(field, value, max)?;
    Ok(value.to_owned())
}

/// Free text (a reason, a note, instructions): trimmed, not empty, at most `max` characters;
/// line breaks and tabs are kept, other control characters refused.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let value = trimmed(value);
    no_control(field, value, true)?;
    check_length(field, value, max)?;
    Ok(value.to_owned())
}

/// Optional free text: absent or blank is `None`, anything else as [`text`].
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, AppError> {
    match value.map(trimmed).filter(|v| !v.is_empty()) {
        Some(v) => text(field, v, max).map(Some),
        None => Ok(None),
    }
}

/// Optional one-line text: absent or blank is `None`, anything else as [`name`].
pub fn optional_name(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, AppError> {
    match value.map(trimmed).filter(|v| !v.is_empty()) {
        Some(v) => name(field, v, max).map(Some),
        None => Ok(None),
    }
}

/// How far ahead a deadline may be set.
pub const MAX_DEADLINE_DAYS: i64 = 365;

/// A deadline at most a year after `now` (`BAD_USER_INPUT` on `field` otherwise). Whether it is
/// far enough ahead is the caller's rule.
pub fn deadline_within_a_year(
    field: &str,
    deadline: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    if deadline > now + chrono::Duration::days(MAX_DEADLINE_DAYS) {
        return Err(AppError::bad_input(field, format!("a deadline may be at most {MAX_DEADLINE_DAYS} days ahead"))
            .with_reason(Reason::TooFarAhead));
    }
    Ok(())
}

/// An ISO 4217 alphabetic currency code.
pub fn currency(field: &str, value: &str) -> Result<String, AppError> {
    if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(value.to_owned())
    } else {
        Err(AppError::bad_input(field, "currency must be a three-letter ISO 4217 code such as USD"))
    }
}

pub fn email(field: &str, value: &str) -> Result<String, AppError> {
    let value = value.trim();
    no_control(field, value, false)?;
    if value.len() <= 254 && value.parse::<email_address::EmailAddress>().is_ok() {
        Ok(value.to_owned())
    } else {
        Err(AppError::bad_input(field, "not a valid e-mail address"))
    }
}

/// `#rgb` or `#rrggbb`.
pub fn colour(field: &str, value: &str) -> Result<String, AppError> {
    let hex = value.strip_prefix('#').unwrap_or("");
    if matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(AppError::bad_input(field, "colour must be #rgb or #rrggbb"))
    }
}

pub fn url(field: &str, value: &str) -> Result<String, AppError> {
    let value = value.trim();
    let ok = (value.starts_with("https://") || value.starts_with("http://"))
        && value.len() <= 500
        && !value.contains(char::is_whitespace);
    if ok {
        Ok(value.to_owned())
    } else {
        Err(AppError::bad_input(field, "must be an http(s) URL of at most 500 characters"))
    }
}

/// An IANA time-zone name (`Europe/Berlin`, `UTC`), as the time-zone database knows it.
pub fn time_zone(field: &str, value: &str) -> Result<String, AppError> {
    match crate::time::time_zone(value.trim()) {
        Some(zone) => Ok(zone.name().to_owned()),
        None => Err(AppError::bad_input(field, "time zone must be an IANA name such as Europe/Berlin")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(slug("slug", "essays").is_ok());
        assert!(slug("slug", "my-site-2").is_ok());
        for bad in ["", "a", "Essays", "2fast", "has space", "under_score"] {
            assert!(slug("slug", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn currencies_colours_urls_zones() {
        assert!(currency("c", "EUR").is_ok());
        assert!(currency("c", "eur").is_err());
        assert_eq!(colour("c", "#AABBCC").unwrap(), "#aabbcc");
        assert!(colour("c", "red").is_err());
        assert!(url("u", "https://cdn.example/logo.png").is_ok());
        assert!(url("u", "javascript:alert(1)").is_err());
        assert!(time_zone("t", "Europe/Berlin").is_ok());
        assert!(time_zone("t", "America/Argentina/Buenos_Aires").is_ok());
        assert!(time_zone("t", "Berlin").is_err());
        assert!(time_zone("t", "Mars/Olympus").is_err());
        assert_eq!(time_zone("t", "UTC").unwrap(), "UTC");
    }

    #[test]
    fn names_are_visible_single_lines_without_direction_tricks() {
        assert_eq!(name("n", "  Ada Lovelace \u{200B}", 100).unwrap(), "Ada Lovelace");
        assert_eq!(name("n", "محمد", 100).unwrap(), "محمد");
        for bad in [
            "",
            "   ",
            "\u{200B}\u{200D}\u{FEFF}",
            "a\u{0000}b",
            "line\nbreak",
            "tab\there",
            "x\u{202E}gpj.exe",
            "\u{2066}a",
        ] {
            let err = name("displayName", bad, 100).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("displayName"), "{bad:?}");
            assert_eq!(err.code, crate::ErrorCode::BadUserInput, "{bad:?}");
        }
        assert!(name("n", &"x".repeat(101), 100).is_err());
        assert!(name("n", &"x".repeat(100), 100).is_ok());
    }

    #[test]
    fn long_text_keeps_line_breaks_and_refuses_other_controls() {
        assert_eq!(text("t", " first line\n\tsecond\r\n", 100).unwrap(), "first line\n\tsecond");
        for bad in ["nul\u{0000}", "bell\u{0007}", "esc\u{001B}[31m", "del\u{007F}", "c1\u{0085}x"] {
            assert_eq!(text("reason", bad, 100).unwrap_err().reason, Some(Reason::ControlCharacter), "{bad:?}");
        }
        assert_eq!(optional_text("t", Some("  "), 10).unwrap(), None);
        assert!(optional_text("t", Some("a\u{0000}"), 10).is_err());
    }

    #[test]
    fn deadlines_go_at_most_a_year_ahead() {
        let now = chrono::Utc::now();
        assert!(deadline_within_a_year("deadline", now + chrono::Duration::days(365), now).is_ok());
        let err = deadline_within_a_year("deadline", now + chrono::Duration::days(366), now).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("deadline"));
    }
}
