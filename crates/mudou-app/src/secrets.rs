//! Secrets: random tokens and typable codes, their fast hash at rest, and Argon2id for
//! passwords and PINs. The server's sign-ins and tokens and the command line's accounts,
//! device codes and API tokens all make and check their secrets here.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// How every API token starts (`mdt_…`).
pub const API_TOKEN_PREFIX: &str = "mdt_";

/// A fresh random secret: 32 bytes, base64url without padding.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A short human-typable code like `K7QX-M2PA-93TF` (60 bits, no look-alike letters).
pub fn random_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Normalises a typed code (case, spaces, dashes) before hashing.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Tokens and codes are random and long, so a fast hash is enough at rest.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Hashes a password or PIN with Argon2id, off the async runtime.
pub async fn hash_secret(secret: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(AppError::internal)?;
        let salt = SaltString::encode_b64(&salt).map_err(AppError::internal)?;
        Argon2::default()
            .hash_password(secret.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(AppError::internal)
    })
    .await
    .map_err(AppError::internal)?
}

/// Checks a password or PIN against its Argon2 hash, off the async runtime.
pub async fn verify_secret(secret: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(AppError::internal)?;
        Ok(Argon2::default()
            .verify_password(secret.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(AppError::internal)?
}

/// A hash to verify against when the user does not exist, so that a wrong
/// username takes as long as a wrong password.
pub static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::encode_b64(b"mudou-dummy-salt").expect("valid salt");
    Argon2::default()
        .hash_password(random_secret().as_bytes(), &salt)
        .expect("hashing works")
        .to_string()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let code = random_code();
        assert_eq!(code.len(), 14);
        assert_eq!(
            normalise_code(&code.to_lowercase().replace('-', " ")),
            code.replace('-', "")
        );
        assert_ne!(random_secret(), random_secret());
    }

    #[tokio::test]
    async fn argon2_round_trip() {
        let h = hash_secret("1234".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_secret("1234".into(), h.clone()).await.unwrap());
        assert!(!verify_secret("1235".into(), h).await.unwrap());
    }
}
