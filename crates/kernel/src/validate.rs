//! Field checks shared by every context. Each failure is `BAD_USER_INPUT` on its field.

use crate::AppError;

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

/// Trimmed, non-empty text of at most `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_input(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(AppError::bad_input(field, format!("must be at most {max} characters")));
    }
    Ok(value.to_owned())
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

/// An IANA time-zone name in `Area/Location` form, or `UTC`.
pub fn time_zone(field: &str, value: &str) -> Result<String, AppError> {
    let ok = value == "UTC"
        || (value.len() <= 64
            && value.contains('/')
            && value.split('/').all(|part| {
                !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
            }));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(AppError::bad_input(field, "time zone must be an IANA name such as Europe/Berlin"))
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
    }
}
