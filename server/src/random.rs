//! Randomness from the operating system (getrandom): instance ids and the
//! seed of command-line evaluations.

use crate::ServerError;

/// One random word from the operating system.
pub fn random_u64() -> Result<u64, ServerError> {
    getrandom::u64().map_err(|e| ServerError::Random(e.to_string()))
}

/// `bytes` random bytes from the operating system as lowercase hex.
pub fn random_hex(bytes: usize) -> Result<String, ServerError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| ServerError::Random(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_has_two_lowercase_digits_per_byte_and_differs_each_time() {
        let (a, b) = (random_hex(16).unwrap(), random_hex(16).unwrap());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        assert_ne!(a, b);
    }

    #[test]
    fn words_differ() {
        assert_ne!(random_u64().unwrap(), random_u64().unwrap());
    }
}
