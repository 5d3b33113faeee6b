//! Argon2id password hashing (OWASP: m = 19456 KiB, t = 2, p = 1).
//!
//! Hashing is deliberately slow and memory-hungry, so it runs on the blocking pool and at most
//! one hash per core runs at once: a burst of sign-ins queues instead of starving the async
//! workers or exhausting memory.

use kernel::Reason;
use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use kernel::{AppError, AppResult};
use tokio::sync::Semaphore;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 1024;

static PERMITS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A valid hash of a random password, verified against when the account does not exist so an
/// unknown e-mail costs the same time as a wrong password.
static DECOY: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2().hash_password(salt.as_str().as_bytes(), &salt).map(|h| h.to_string()).unwrap_or_default()
});

/// Checks a new password's length (`BAD_USER_INPUT` on `field`).
pub fn check_strength(field: &str, password: &str) -> AppResult<()> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Err(AppError::bad_input(field, format!("password must be at least {MIN_LENGTH} characters"))
            .with_reason(Reason::TooShort));
    }
    if len > MAX_LENGTH {
        return Err(AppError::bad_input(field, format!("password must be at most {MAX_LENGTH} characters")));
    }
    Ok(())
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let _permit = PERMITS.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work).await.map_err(AppError::internal)
}

pub async fn hash(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await?
    .map_err(AppError::internal)
}

/// Whether `password` matches `stored`; `None` verifies against a decoy and answers false.
pub async fn verify(password: &str, stored: Option<&str>) -> AppResult<bool> {
    let password = password.to_owned();
    let (stored, real) = match stored {
        Some(s) => (s.to_owned(), true),
        None => (DECOY.clone(), false),
    };
    blocking(move || {
        let ok = PasswordHash::new(&stored)
            .is_ok_and(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok());
        ok && real
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_the_owasp_parameters() {
        let stored = hash("correct horse battery").await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(verify("correct horse battery", Some(&stored)).await.unwrap());
        assert!(!verify("wrong horse battery", Some(&stored)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify("anything at all", None).await.unwrap());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(check_strength("password", "123456789").unwrap_err().field.as_deref(), Some("password"));
        assert!(check_strength("password", "1234567890").is_ok());
    }
}
